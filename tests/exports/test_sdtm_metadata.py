"""exports.sdtm_metadata and exports.define_xml.DatasetShape, without a database."""

import pytest

from exports import define_xml, sdtm, sdtm_metadata

ORIGIN_TYPES = {"Assigned", "Collected", "Derived", "Protocol"}


def test_every_name_it_speaks_of_is_a_variable_of_the_specification():
    unknown = {name for name in sdtm_metadata.names_used() if not sdtm_metadata.known(name)}
    assert unknown == set()


@pytest.mark.parametrize("domain", list(sdtm.DOMAINS))
def test_every_variable_has_an_origin_and_each_derived_one_says_how(domain):
    for variable in sdtm.DOMAINS[domain]:
        origin = sdtm_metadata.origin(domain, variable.name)
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
    assert sdtm_metadata.origin(domain, name).type == kind


def test_value_level_origin_of_a_derived_result():
    assert sdtm_metadata.value_origin("TR", "TRORRES", "SUMDIAM").type == "Derived"
    assert sdtm_metadata.value_origin("TR", "TRORRES", "LDIAM").type == "Collected"


def test_one_codelist_oid_is_one_codelist():
    by_oid = {}
    for codelist in sdtm_metadata.CODELISTS.values():
        assert by_oid.setdefault(codelist.oid, codelist) == codelist


def test_required_variables_are_named_per_dataset_where_they_differ():
    assert sdtm_metadata.required("SV", "VISITNUM")
    assert not sdtm_metadata.required("TR", "VISITNUM")
    assert sdtm_metadata.required("AE", "USUBJID")


def test_every_dataset_has_a_class_a_structure_and_keys_of_its_own_variables():
    for domain, variables in sdtm.DOMAINS.items():
        names = [v.name for v in variables]
        assert sdtm_metadata.CLASSES[domain] and sdtm_metadata.STRUCTURES[domain]
        assert set(sdtm.DATASET_KEYS[domain]) <= set(names)


def _row(domain, **values):
    return [values.get(v.name, "") for v in sdtm.DOMAINS[domain]]


def test_shape_learns_lengths_times_codes_and_the_results_of_each_test_code():
    shape = define_xml.DatasetShape("TR")
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

    shapes = [define_xml.DatasetShape(domain) for domain in sdtm.DOMAINS]
    rs = shapes[list(sdtm.DOMAINS).index("RS")]
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
