"""The SDTM domains' declarations (review.sdtm.SdtmDomain, from the registry) and
exports.define_xml.DatasetShape, without a database."""

import pytest

from exports import define_xml, sdtm_export
from review.sdtm import SdtmDomain, variables

ORIGIN_TYPES = {"Assigned", "Collected", "Derived", "Protocol"}
DOMAINS = [d.domain for d in sdtm_export.domains()]


def spec(domain: str) -> SdtmDomain:
    return sdtm_export.domain(domain)


def test_a_declaration_naming_what_is_not_one_of_its_variables_is_refused():
    with pytest.raises(ValueError, match=r"XXSTRESC"):
        SdtmDomain(
            "XX", "Example", variables(("STUDYID", "Study Identifier")), ("STUDYID",),
            "FINDINGS", "One record", lambda study, subjects: iter(()), 1,
            derivations={"XXSTRESC": "From XXORRES."},
        )  # fmt: skip


@pytest.mark.parametrize("domain", DOMAINS)
def test_every_variable_has_an_origin_and_each_derived_one_says_how(domain):
    for variable in spec(domain).variables:
        origin = spec(domain).origin(variable.name)
        assert origin.type in ORIGIN_TYPES, variable.name
        assert (origin.type == "Derived") == bool(origin.method), variable.name
        assert origin.source or origin.type == "Protocol", variable.name


@pytest.mark.parametrize(
    ("domain", "name", "kind"),
    [
        ("DM", "STUDYID", "Assigned"),
        ("DM", "USUBJID", "Derived"),
        ("DM", "AGE", "Derived"),
        ("DM", "SEX", "Collected"),
        ("AE", "AESEQ", "Derived"),
        ("AE", "AESTDY", "Derived"),
        ("AE", "AETERM", "Collected"),
        ("EX", "VISITNUM", "Assigned"),
        ("TR", "VISITNUM", "Derived"),
        ("TV", "VISITDY", "Protocol"),
        ("TS", "TSVAL", "Protocol"),
        ("TS", "TSSEQ", "Derived"),
    ],
)
def test_origins(domain, name, kind):
    assert spec(domain).origin(name).type == kind


def test_value_level_origin_of_a_derived_result():
    assert spec("TR").value_origin("TRORRES", "SUMDIAM").type == "Derived"
    assert spec("TR").value_origin("TRORRES", "LDIAM").type == "Collected"


def test_one_codelist_oid_is_one_codelist():
    by_oid = {}
    codelists = [c for d in sdtm_export.domains() for c in d.codelists.values()]
    for codelist in codelists:
        assert by_oid.setdefault(codelist.oid, codelist) == codelist


def test_required_variables_are_named_per_dataset_where_they_differ():
    assert spec("SV").is_required("VISITNUM")
    assert not spec("TR").is_required("VISITNUM")
    assert spec("AE").is_required("USUBJID")


def test_every_dataset_has_a_class_a_structure_and_keys_of_its_own_variables():
    for domain in sdtm_export.domains():
        names = [v.name for v in domain.variables]
        assert domain.class_name and domain.structure and domain.keys
        assert set(domain.keys) <= set(names)
        assert len({d.domain for d in sdtm_export.domains()}) == len(DOMAINS)


def _row(domain, **values):
    return [values.get(v.name, "") for v in spec(domain).variables]


def test_shape_learns_lengths_times_codes_and_the_results_of_each_test_code():
    shape = define_xml.DatasetShape(spec("TR"))
    shape.see(_row("TR", TRTESTCD="LDIAM", TRTEST="Longest Diameter", TRORRES="23",
                   TRSTRESN="23", TRDTC="2026-11-02", TRLOBXFL="Y"))  # fmt: skip
    shape.see(_row("TR", TRTESTCD="SUMDIAM", TRTEST="Sum of Diameter", TRORRES="41.5",
                   TRSTRESN="41.5", TRDTC="2026-11-02T10:00"))  # fmt: skip
    assert shape.tests == {"LDIAM": "Longest Diameter", "SUMDIAM": "Sum of Diameter"}
    assert shape.lengths["TRTESTCD"] == 7 and shape.lengths["TRSTAT"] == 1
    assert shape.values["TRDTC"].timed
    assert shape.values["TRLOBXFL"].coded == {"Y"}
    ldiam = shape.value_level[("TRORRES", "LDIAM")]
    total = shape.value_level[("TRORRES", "SUMDIAM")]
    assert (ldiam.all_numbers, ldiam.all_integers) == (True, True)
    assert (total.all_numbers, total.all_integers, total.decimals) == (True, False, 1)
    assert not shape.values["TRSTAT"].present


def test_define_document_of_empty_and_odd_datasets_is_schema_valid():
    """No records at all (HasNoData everywhere, no codelist without values), and a control
    character in a test name or a coded value (not allowed in XML) are written validly."""
    from datetime import UTC, datetime

    from lxml import etree

    from tests.exports import sdtm_checks

    shapes = [define_xml.DatasetShape(d) for d in sdtm_export.domains()]
    rs = shapes[DOMAINS.index("RS")]
    rs.see(_row("RS", RSTESTCD="OVRLRESP", RSTEST="Overall\x01Response", RSORRES="P\x02R"))
    facts = define_xml.StudyFacts(
        study_oid="ST.X", metadata_version_oid="MDV.SDTM", protocol="X", title="T\x0bitle",
        sponsor="", system="eCRF", system_version="1.0", created=datetime(2026, 12, 1, tzinfo=UTC),
    )  # fmt: skip
    data = etree.tostring(define_xml.define_document(facts, shapes))
    assert sdtm_checks.define_schema_errors(data) == []
    document = etree.fromstring(data)
    ns = sdtm_checks.DEFINE
    ae_refs = document.findall(".//odm:ItemGroupDef[@OID='IG.AE']/odm:ItemRef", ns)
    assert ae_refs and all(r.get(f"{{{ns['def']}}}HasNoData") == "Yes" for r in ae_refs)
    assert document.find(".//odm:CodeList[@OID='CL.NY']", ns) is None
    overall = document.find(".//odm:CodeList[@OID='CL.RS.OVRLRESP']", ns)
    assert [i.get("CodedValue") for i in overall] == ["PR"]
