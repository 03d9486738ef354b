"""exports.odm: its pure parts without a database, and the references of a seeded trial's file."""

from datetime import UTC, date, datetime

import pytest
from django.test import override_settings
from lxml import etree

from exports import services
from exports.models import ExportStatus
from exports.odm import _attr, _clean, _text, effective_date


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        (datetime(2026, 12, 1, 22, 59, tzinfo=UTC), date(2026, 12, 1)),  # 23:59 in Paris
        (datetime(2026, 12, 1, 23, 0, tzinfo=UTC), date(2026, 12, 2)),  # midnight in Paris
        (datetime(2026, 6, 30, 21, 59, tzinfo=UTC), date(2026, 6, 30)),  # summer time, UTC+2
        (datetime(2026, 6, 30, 22, 0, tzinfo=UTC), date(2026, 7, 1)),
    ],
    ids=["winter-before-midnight", "winter-midnight", "summer-before-midnight", "summer-midnight"],
)
@override_settings(TIME_ZONE="Europe/Paris")
def test_the_effective_date_is_the_snapshots_day_on_the_sites_clock(as_of, expected):
    assert effective_date(as_of) == expected


# The clinical data is written as text: its escaping must give the bytes lxml serialises.
AWKWARD = [
    "plain",
    "",
    "a&b<c>d\"e'f",
    "line\nbreak\rreturn\ttab",
    "é, 𝄞, \x7f, \x85, \u2028",
    "]]> &amp; already escaped",
]


@pytest.mark.parametrize("value", AWKWARD)
def test_attribute_values_are_escaped_as_lxml_serialises_them(value):
    element = etree.Element("E", {"a": value})
    assert f'<E a="{_attr(value)}"/>'.encode() == etree.tostring(element, encoding="utf-8")


@pytest.mark.parametrize("value", [*AWKWARD, "bell\x07 and vertical tab\x0b"])
def test_element_text_is_cleaned_and_escaped_as_lxml_serialises_it(value):
    element = etree.Element("E")
    element.text = _clean(value)
    assert f"<E>{_text(value)}</E>".encode() == etree.tostring(element, encoding="utf-8")


# --- references ----------------------------------------------------------------------------

NS = "{http://www.cdisc.org/ns/odm/v1.3}"


def _all(element, name: str) -> list:
    return [] if element is None else element.findall(f"{NS}{name}")


def _oids(element, name: str) -> set[str]:
    return {child.get("OID") for child in _all(element, name)}


def _refs(definition, name: str, attribute: str) -> set[str]:
    return {ref.get(attribute) for ref in _all(definition, name)}


def _resolve(problems, where: str, element, attribute: str, definitions: dict, parent, ref: str):
    """The def that an element's OID names, noting a problem where none does or where the
    parent's def (the Protocol for a study event) has no ref to it; a missing parent is the
    parent's problem, noted already."""
    oid = element.get(attribute)
    definition = definitions.get(oid)
    kind = attribute.removesuffix("OID") + "Def"
    if definition is None:
        problems.append(f"{where}: {attribute} {oid} has no {kind}")
    if parent is not None and oid not in _refs(parent, ref, attribute):
        problems.append(
            f"{where}: {attribute} {oid} is no {ref} of {parent.get('OID', 'Protocol')}"
        )
    return definition


def unresolved_references(doc) -> list[str]:
    """Each reference of the ClinicalData that names no definition, as "where: what".

    Events, forms, item groups and items resolve in the MetaDataVersion of the ClinicalData's
    StudyOID and MetaDataVersionOID, each one referenced by its parent's def (an ItemData's
    ItemOID is an ItemRef of its ItemGroupDef, and so on up to the Protocol); users, locations
    and signature meanings resolve in the AdminData (or the Study); the Value of an item with
    a CodeListRef is a CodedValue of that CodeList, unless the item IsNull.
    """
    root = doc.getroot()
    studies = {study.get("OID"): study for study in _all(root, "Study")}
    admin = root.find(f"{NS}AdminData")
    users, locations = _oids(admin, "User"), _oids(admin, "Location")
    meanings = _oids(admin, "SignatureDef").union(
        *(_oids(study, "SignatureDef") for study in studies.values())
    )
    problems = []
    for location in _all(admin, "Location"):
        for ref in _all(location, "MetaDataVersionRef"):
            study_oid, mdv_oid = ref.get("StudyOID"), ref.get("MetaDataVersionOID")
            if mdv_oid not in _oids(studies.get(study_oid), "MetaDataVersion"):
                problems.append(
                    f"Location {location.get('OID')}: MetaDataVersionRef {study_oid}/{mdv_oid}"
                    " is no MetaDataVersion"
                )

    def people(element, where: str) -> None:
        for child in [*_all(element, "AuditRecord"), *_all(element, "Signature")]:
            at = f"{where} {etree.QName(child).localname}"
            for ref, attribute, known, target in (
                ("UserRef", "UserOID", users, "User"),
                ("LocationRef", "LocationOID", locations, "Location"),
                ("SignatureRef", "SignatureOID", meanings, "SignatureDef"),
            ):
                for oid in _refs(child, ref, attribute) - known:
                    problems.append(f"{at}: {ref} {oid} is no {target}")

    clinical_data = _all(root, "ClinicalData")
    if not clinical_data:
        problems.append("the file has no ClinicalData")
    for clinical in clinical_data:
        study_oid, mdv_oid = clinical.get("StudyOID"), clinical.get("MetaDataVersionOID")
        study = studies.get(study_oid)
        mdv = None if study is None else study.find(f"{NS}MetaDataVersion[@OID='{mdv_oid}']")
        if mdv is None:
            problems.append(f"ClinicalData: {study_oid}/{mdv_oid} is no Study/MetaDataVersion")
            continue
        defs = {
            name: {definition.get("OID"): definition for definition in _all(mdv, name)}
            for name in ("StudyEventDef", "FormDef", "ItemGroupDef", "ItemDef", "CodeList")
        }
        protocol = mdv.find(f"{NS}Protocol")
        if protocol is None:
            problems.append(f"MetaDataVersion {mdv_oid}: no Protocol to reference study events")
        coded_values = {
            oid: {item.get("CodedValue") for item in _all(codelist, "CodeListItem")}
            | {item.get("CodedValue") for item in _all(codelist, "EnumeratedItem")}
            for oid, codelist in defs["CodeList"].items()
        }

        for subject in _all(clinical, "SubjectData"):
            where = f"SubjectData {subject.get('SubjectKey')}"
            people(subject, where)
            for oid in _refs(subject, "SiteRef", "LocationOID") - locations:
                problems.append(f"{where}: SiteRef {oid} is no Location")
            for event in _all(subject, "StudyEventData"):
                at_event = f"{where} / {event.get('StudyEventOID')}"
                people(event, at_event)
                event_def = _resolve(
                    problems,
                    at_event,
                    event,
                    "StudyEventOID",
                    defs["StudyEventDef"],
                    protocol,
                    "StudyEventRef",
                )
                for form in _all(event, "FormData"):
                    key = form.get("FormRepeatKey")
                    at_form = f"{at_event} / {form.get('FormOID')}" + (f"[{key}]" if key else "")
                    people(form, at_form)
                    form_def = _resolve(
                        problems, at_form, form, "FormOID", defs["FormDef"], event_def, "FormRef"
                    )
                    for group in _all(form, "ItemGroupData"):
                        at_group = f"{at_form} / {group.get('ItemGroupOID')}"
                        people(group, at_group)
                        group_def = _resolve(
                            problems,
                            at_group,
                            group,
                            "ItemGroupOID",
                            defs["ItemGroupDef"],
                            form_def,
                            "ItemGroupRef",
                        )
                        for item in _all(group, "ItemData"):
                            at_item = f"{at_group} / {item.get('ItemOID')}"
                            people(item, at_item)
                            item_def = _resolve(
                                problems,
                                at_item,
                                item,
                                "ItemOID",
                                defs["ItemDef"],
                                group_def,
                                "ItemRef",
                            )
                            codelist = _refs(item_def, "CodeListRef", "CodeListOID")
                            if not codelist or item.get("IsNull") == "Yes":
                                continue
                            (codelist_oid,) = codelist
                            if codelist_oid not in coded_values:
                                problems.append(
                                    f"{at_item}: CodeListRef {codelist_oid} is no CodeList"
                                )
                            elif item.get("Value") not in coded_values[codelist_oid]:
                                problems.append(
                                    f"{at_item}: Value {item.get('Value')!r} is no CodedValue"
                                    f" of {codelist_oid}"
                                )
    return problems


def _assert_resolved(doc) -> None:
    problems = unresolved_references(doc)
    assert problems == [], f"{len(problems)} unresolved, the first: {problems[0]}"


def test_every_reference_in_the_odm_of_a_seeded_trial_resolves(seeded, tmp_path):
    """seed_large's trial: 22 subjects at 4 sites, 15 forms and their repeating groups."""
    output = tmp_path / "trial.xml"
    run = services.export_to_path(by=None, format="odm", output=output)
    assert run.status == ExportStatus.DONE, run.error
    doc = etree.parse(str(output))
    # Not a vacuous pass: the file holds what the references are checked on.
    for name in ("SubjectData", "FormData", "ItemGroupData", "AuditRecord", "Signature"):
        assert doc.find(f".//{NS}ClinicalData//{NS}{name}") is not None, name
    _assert_resolved(doc)


def test_every_reference_in_the_odm_of_the_hand_made_trial_resolves(data):
    """The hand-made trial adds corrections (Update transactions) and an SAE's signature."""
    run = services.export_request(by=data.users["dm"], format="odm", channel="command")
    run = services.export_run(run_id=run.pk)
    assert run.status == ExportStatus.DONE, run.error
    with services.export_open(run) as handle:
        _assert_resolved(etree.parse(handle))
