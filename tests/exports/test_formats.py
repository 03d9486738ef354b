"""Each export format on the hand-made trial of tests/exports/factories.py."""

import csv
import io
import json
import zipfile
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from lxml import etree

from dosing.services import dose_record
from exports import services
from exports.models import ExportRun, ExportRunEvent, ExportStatus
from exports.odm import event_model_for
from review.models import Signature
from screening.models import EligibilityAssessment
from tests.dosing.factories import dose_values, visit_of
from tests.exports import sdtm_checks
from tests.exports.test_xport import read_xpt
from tests.screening.factories import PLANNED_C1D1

ODM_XSD = Path(__file__).resolve().parents[3] / "shared" / "data" / "odm-1.3.2" / "ODM1-3-2.xsd"
ODM = {"odm": "http://www.cdisc.org/ns/odm/v1.3"}


def export(data, fmt, user="dm", **filters) -> tuple[ExportRun, io.BytesIO]:
    run = services.export_request(
        by=data.users[user] if user else None, format=fmt, channel="command", **filters
    )
    run = services.export_run(run_id=run.pk)
    assert run.status == ExportStatus.DONE, run.error
    with services.export_open(run) as handle:
        return run, io.BytesIO(handle.read())


def csv_rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture
def csv_zip(data):
    run, content = export(data, "csv")
    with zipfile.ZipFile(content) as archive:
        files = {name: archive.read(name).decode() for name in archive.namelist()}
    return run, files


# --- CSV and XLSX ------------------------------------------------------------------------------


def test_csv_zip_has_a_file_per_crf_and_a_data_dictionary(csv_zip):
    _run, files = csv_zip
    for name in (
        "subjects",
        "consent",
        "eligibility",
        "eligibility_findings",
        "visits",
        "dosing",
        "adverse_events",
        "tumour_assessments",
        "lesion_measurements",
        "dispositions",
        "signatures",
        "queries",
    ):
        assert f"{name}.csv" in files
    dictionary = csv_rows(files["data_dictionary.csv"])
    grade = next(
        r for r in dictionary if r["dataset"] == "adverse_events" and r["column"] == "grade"
    )
    assert grade["type"] == "integer"
    outcome = next(
        r for r in dictionary if r["column"] == "outcome" and r["dataset"] == "adverse_events"
    )
    assert "recovered = Recovered/resolved" in outcome["codes"]
    assert json.loads(files["manifest.json"])["row_counts"]["adverse_events"] == 3


def test_csv_rows_carry_the_crf_values(csv_zip, data):
    _run, files = csv_zip
    events = csv_rows(files["adverse_events.csv"])
    serious = next(
        r
        for r in events
        if r["subject_number"] == data.dosed.subject_number and r["sequence"] == "1"
    )
    assert (serious["term"], serious["grade"], serious["serious"]) == ("Fever", "3", "Y")
    assert serious["serious_criteria"] == "hospitalisation"
    assert serious["relationship"] == "probable"
    assert serious["sae_reported_at"].endswith("Z")
    dose = csv_rows(files["dosing.csv"])[0]
    assert (dose["visit"], dose["volume_ml"]) == ("C1D1", "1.20")


def test_partial_dates_and_missing_data_codes_are_exported_as_typed(csv_zip, odm_doc, data):
    _run, files = csv_zip
    [history] = [
        r
        for r in csv_rows(files["medical_history.csv"])
        if r["screening_number"] == data.dosed.screening_number
    ]
    assert (history["start_date"], history["baseline_grade_code"]) == ("2019-03", "UNK")
    [medication] = [
        r
        for r in csv_rows(files["medications.csv"])
        if r["screening_number"] == data.dosed.screening_number
    ]
    assert (medication["start_date"], medication["dose_code"]) == ("2019", "UNK")
    assert medication["indication_ae_sequence"] == str(data.serious_ae.sequence)
    # ODM: text items, the precision and the code kept.
    subject = odm_doc.find(f".//odm:SubjectData[@SubjectKey='{data.dosed.subject_number}']", ODM)
    values = {
        item.get("ItemOID"): item.get("Value")
        for item in subject.iter("{http://www.cdisc.org/ns/odm/v1.3}ItemData")
    }
    assert values["IT.MH.START_DATE"] == "2019-03"
    assert values["IT.MH.BASELINE_GRADE_CODE"] == "UNK"
    assert values["IT.CM.START_DATE"] == "2019"


def test_voided_subject_is_not_exported(csv_zip, data):
    _run, files = csv_zip
    numbers = {r["screening_number"] for r in csv_rows(files["subjects.csv"])}
    assert data.voided.screening_number not in numbers
    assert data.dosed.screening_number in numbers


def test_eligibility_findings_give_one_row_per_criterion(csv_zip, data):
    _run, files = csv_zip
    findings = [
        r
        for r in csv_rows(files["eligibility_findings.csv"])
        if r["screening_number"] == data.screen_failed.screening_number
    ]
    assert len(findings) == 20
    assert {r["code"] for r in findings if r["outcome"] == "failed"} == {"IN3"}


def test_xlsx_has_a_sheet_per_crf_with_the_same_rows(data):
    run, content = export(data, "xlsx")
    workbook = openpyxl.load_workbook(content, read_only=True)
    assert workbook.sheetnames[:2] == ["About", "Data dictionary"]
    sheet = workbook["adverse_events"]
    rows = list(sheet.values)
    assert len(rows) - 1 == run.row_counts["adverse_events"] == 3
    header = rows[0]
    grades = sorted(row[header.index("grade")] for row in rows[1:])
    assert grades == [1, 1, 3]


# --- ODM ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def odm_schema():
    if not ODM_XSD.exists():
        pytest.skip(f"the ODM 1.3.2 schema is not at {ODM_XSD} (shared/ not beside the repo)")
    return etree.XMLSchema(etree.parse(str(ODM_XSD)))


@pytest.fixture
def odm_doc(data):
    _run, content = export(data, "odm")
    return etree.parse(content)


def test_odm_validates_against_the_official_schema(odm_doc, odm_schema):
    assert odm_schema.validate(odm_doc), odm_schema.error_log


def test_odm_metadata_defines_events_forms_groups_items_and_codelists(odm_doc):
    mdv = odm_doc.find(".//odm:MetaDataVersion", ODM)
    events = [e.get("OID") for e in mdv.findall("odm:StudyEventDef", ODM)]
    assert events[0] == "SE.SCR" and "SE.C1D1" in events and events[-1] == "SE.LOG"
    forms = {f.get("OID") for f in mdv.findall("odm:FormDef", ODM)}
    assert {"F.DM", "F.IE", "F.EX", "F.AE", "F.TU", "F.DS"} <= forms
    assert mdv.find("odm:ItemGroupDef[@OID='IG.TR']", ODM).get("Repeating") == "Yes"
    grade = mdv.find("odm:ItemDef[@OID='IT.AE.GRADE']", ODM)
    assert grade.get("DataType") == "integer"
    outcome = mdv.find("odm:CodeList[@OID='CL.AE.OUTCOME']", ODM)
    assert "recovered" in [i.get("CodedValue") for i in outcome.findall("odm:CodeListItem", ODM)]


def test_odm_has_clinical_data_per_subject_and_no_voided_subject(odm_doc, data):
    keys = [s.get("SubjectKey") for s in odm_doc.findall(".//odm:SubjectData", ODM)]
    assert sorted(keys) == sorted(
        [
            data.dosed.subject_number,
            data.screen_failed.screening_number,
            data.withdrawn.subject_number,
        ]
    )
    assert data.voided.screening_number not in keys


def test_odm_correction_is_an_update_with_who_where_when_and_why(odm_doc, data):
    subject = odm_doc.find(f".//odm:SubjectData[@SubjectKey='{data.dosed.subject_number}']", ODM)
    dosing = subject.findall(
        "odm:StudyEventData[@StudyEventOID='SE.C1D1']/odm:FormData[@FormOID='F.EX']", ODM
    )
    assert [f.get("TransactionType") for f in dosing] == ["Insert", "Update"]
    update = dosing[1]
    audit = update.find("odm:AuditRecord", ODM)
    coordinator = data.users["coord_a"]
    assert audit.find("odm:UserRef", ODM).get("UserOID") == f"USR.{coordinator.pk}"
    assert audit.find("odm:LocationRef", ODM).get("LocationOID") == "LOC.FR01"
    assert audit.findtext("odm:ReasonForChange", namespaces=ODM).startswith("Transcription error")
    assert audit.findtext("odm:DateTimeStamp", namespaces=ODM)
    changed = {i.get("ItemOID"): i.get("Value") for i in update.iter("{*}ItemData")}
    assert changed["IT.EX.VOLUME_ML"] == "1.20"
    assert "IT.EX.LOT_NUMBER" not in changed  # unchanged values are not repeated


def test_odm_text_with_markup_characters_reads_back_as_entered(data):
    # The clinical data is written as text: what a parser reads must be what was entered.
    reason = 'Lot <A&B> "re-read"\nsecond line'
    dose = data.dosed.doses.get()
    dose_record(
        visit=visit_of(data.dosed, "C1D1"),
        by=data.users["coord_a"],
        values=dose_values(data.dosed, volume_ml=Decimal("1.10"), lot_number='L<1>&"2"'),
        today=PLANNED_C1D1,
        expected_version=dose.version,
        reason=reason,
    )
    _run, content = export(data, "odm")
    doc = etree.parse(content)
    subject = doc.find(f".//odm:SubjectData[@SubjectKey='{data.dosed.subject_number}']", ODM)
    last = subject.findall(".//odm:FormData[@FormOID='F.EX']", ODM)[-1]
    assert last.findtext("odm:AuditRecord/odm:ReasonForChange", namespaces=ODM) == reason
    changed = {i.get("ItemOID"): i.get("Value") for i in last.iter("{*}ItemData")}
    assert changed["IT.EX.LOT_NUMBER"] == 'L<1>&"2"'


def test_odm_signatures_sit_on_the_signed_forms(odm_doc, data):
    subject = odm_doc.find(f".//odm:SubjectData[@SubjectKey='{data.dosed.subject_number}']", ODM)
    signed_ae = subject.find(
        "odm:StudyEventData/odm:FormData[@FormOID='F.AE'][@FormRepeatKey='1']/odm:Signature", ODM
    )
    assert signed_ae.find("odm:SignatureRef", ODM).get("SignatureOID") == "SD.sae_report_approved"
    assert signed_ae.find("odm:UserRef", ODM).get("UserOID") == f"USR.{data.users['inv_a'].pk}"
    signed_ie = subject.find(".//odm:FormData[@FormOID='F.IE']/odm:Signature", ODM)
    assert signed_ie.find("odm:SignatureRef", ODM).get("SignatureOID") == "SD.eligibility_confirmed"
    definitions = odm_doc.findall(".//odm:AdminData/odm:SignatureDef", ODM)
    assert "SD.sae_report_approved" in [d.get("OID") for d in definitions]


def test_odm_tumour_measurements_are_repeating_groups_of_the_assessment(odm_doc, data):
    subject = odm_doc.find(f".//odm:SubjectData[@SubjectKey='{data.dosed.subject_number}']", ODM)
    groups = subject.findall(".//odm:ItemGroupData[@ItemGroupOID='IG.TR']", ODM)
    assert sorted(g.get("ItemGroupRepeatKey") for g in groups) == ["T1", "T1", "T2", "T2"]
    assert all(g.find("odm:AuditRecord", ODM) is not None for g in groups)


def _item_defs(doc):
    return {i.get("OID"): i for i in doc.iterfind(".//odm:MetaDataVersion/odm:ItemDef", ODM)}


def test_odm_every_text_item_declares_a_length_that_holds_its_values(odm_doc):
    item_defs = _item_defs(odm_doc)
    text = {oid for oid, item in item_defs.items() if item.get("DataType") in ("text", "string")}
    assert len(text) > 50
    missing = sorted(oid for oid in text if not item_defs[oid].get("Length"))
    assert missing == []
    for data in odm_doc.iterfind(".//odm:ItemData[@Value]", ODM):
        oid = data.get("ItemOID")
        if oid in text:
            assert len(data.get("Value")) <= int(item_defs[oid].get("Length")), oid
    # A declared field limit is the Length (the CTCAE term is a CharField(max_length=200)).
    assert item_defs["IT.AE.TERM"].get("Length") == "200"


def test_odm_multi_choice_field_is_one_yes_no_item_per_choice(odm_doc, data):
    item_defs = _item_defs(odm_doc)
    assert "IT.AE.SERIOUS_CRITERIA" not in item_defs
    hospitalisation = item_defs["IT.AE.SERIOUS_CRITERIA_HOSPITALISATION"]
    assert hospitalisation.find("odm:CodeListRef", ODM).get("CodeListOID") == "CL.NY"
    subject = odm_doc.find(f".//odm:SubjectData[@SubjectKey='{data.dosed.subject_number}']", ODM)
    serious = subject.find(
        "odm:StudyEventData/odm:FormData[@FormOID='F.AE'][@FormRepeatKey='1']"
        "[@TransactionType='Insert']",
        ODM,
    )
    values = {i.get("ItemOID"): i.get("Value") for i in serious.iter("{*}ItemData")}
    assert values["IT.AE.SERIOUS_CRITERIA_HOSPITALISATION"] == "Y"
    assert values["IT.AE.SERIOUS_CRITERIA_DEATH"] == "N"


def test_odm_every_coded_value_is_in_its_codelist(odm_doc):
    codelists = {
        c.get("OID"): {i.get("CodedValue") for i in c.iterfind("odm:CodeListItem", ODM)}
        for c in odm_doc.iterfind(".//odm:CodeList", ODM)
    }
    coded = {
        oid: codelists[item.find("odm:CodeListRef", ODM).get("CodeListOID")]
        for oid, item in _item_defs(odm_doc).items()
        if item.find("odm:CodeListRef", ODM) is not None
    }
    checked = 0
    for data in odm_doc.iterfind(".//odm:ItemData[@Value]", ODM):
        allowed = coded.get(data.get("ItemOID"))
        if allowed is not None:
            assert data.get("Value") in allowed, (data.get("ItemOID"), data.get("Value"))
            checked += 1
    assert checked > 20


def _first_transactions(doc):
    """(subject, event, form, repeat key) -> TransactionType of its first FormData."""
    first = {}
    for subject in doc.iterfind(".//odm:SubjectData", ODM):
        for event in subject.iterfind("odm:StudyEventData", ODM):
            for form in event.iterfind("odm:FormData", ODM):
                key = (
                    subject.get("SubjectKey"),
                    event.get("StudyEventOID"),
                    form.get("FormOID"),
                    form.get("FormRepeatKey"),
                )
                first.setdefault(key, form.get("TransactionType"))
    return first


def test_odm_an_entity_is_inserted_before_any_context_on_it(data):
    # A signature dated before the signed record was entered (back-dated entry).
    assessment = EligibilityAssessment.objects.get(subject=data.dosed)
    events = event_model_for(EligibilityAssessment).objects.filter(pgh_obj_id=assessment.pk)
    entered = events.earliest("pgh_created_at")
    back_dated = Signature.objects.create(
        subject=data.dosed,
        content_type=ContentType.objects.get_for_model(EligibilityAssessment),
        object_id=assessment.pk,
        signer=data.users["inv_a"],
        printed_name="Inv A",
        meaning="eligibility_confirmed",
        signed_at=entered.pgh_created_at - timedelta(days=3),
        content_hash="0" * 64,
    )
    _run, content = export(data, "odm")
    doc = etree.parse(content)
    first = _first_transactions(doc)
    assert first and set(first.values()) == {"Insert"}, first
    subject = doc.find(f".//odm:SubjectData[@SubjectKey='{data.dosed.subject_number}']", ODM)
    forms = subject.findall(".//odm:FormData[@FormOID='F.IE']", ODM)
    signed = subject.find(f".//odm:Signature[@ID='SG.{back_dated.pk}']", ODM).getparent()
    assert forms[0].get("TransactionType") == "Insert"
    assert signed.get("TransactionType") == "Context" and forms.index(signed) > 0


# --- SDTM --------------------------------------------------------------------------------------


@pytest.fixture
def sdtm_zip(data):
    _run, content = export(data, "sdtm")
    with zipfile.ZipFile(content) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_sdtm_zip_has_csv_xpt_dataset_json_and_define_xml(sdtm_zip):
    domains = ("dm", "ie", "ex", "ae", "ds", "sv", "vs", "tu", "tr", "rs")
    domains += ("ts", "ta", "te", "tv", "ti")
    for domain in domains:
        for extension in ("csv", "xpt", "json"):
            assert f"{domain}.{extension}" in sdtm_zip
    assert "define.xml" in sdtm_zip
    manifest = json.loads(sdtm_zip["manifest.json"])
    assert manifest["standard"]["implementation_guide"] == "SDTMIG 3.4"
    assert manifest["standard"]["dataset_json"] == "1.1.0"


def test_sdtm_dataset_json_is_valid_and_holds_the_rows_of_the_xpt(sdtm_zip):
    for domain in sdtm_checks.DOMAINS:
        assert sdtm_checks.dataset_json_problems(sdtm_zip, domain) == []
        assert sdtm_checks.dataset_json_differences(sdtm_zip, domain) == []
    ae = json.loads(sdtm_zip["ae.json"])
    assert ae["datasetJSONVersion"] == "1.1.0" and ae["records"] == len(ae["rows"]) > 0
    types = {c["name"]: c["dataType"] for c in ae["columns"]}
    assert (types["AESEQ"], types["AETERM"], types["AESTDTC"]) == ("integer", "string", "date")
    keys = [c["name"] for c in sorted(ae["columns"], key=lambda c: c.get("keySequence", 99))]
    assert keys[:3] == ["STUDYID", "USUBJID", "AESEQ"]
    first = dict(zip([c["name"] for c in ae["columns"]], ae["rows"][0], strict=True))
    assert isinstance(first["AESEQ"], int) and first["AEHLT"] is None
    ex = json.loads(sdtm_zip["ex.json"])
    assert {c["name"]: c["dataType"] for c in ex["columns"]}["EXDOSE"] == "double"


def test_sdtm_define_xml_is_valid_define_xml_2_1_and_describes_the_datasets(sdtm_zip):
    assert sdtm_checks.define_schema_errors(sdtm_zip["define.xml"]) == []
    assert sdtm_checks.define_problems(sdtm_zip) == []
    define = etree.fromstring(sdtm_zip["define.xml"])
    ns = sdtm_checks.DEFINE
    version = define.find(".//odm:MetaDataVersion", ns)
    assert version.get(f"{{{ns['def']}}}DefineVersion") == "2.1.0"
    standard = version.find("def:Standards/def:Standard", ns)
    assert (standard.get("Name"), standard.get("Version")) == ("SDTMIG", "3.4")
    # Dataset-JSON and define.xml name the same items and the same study.
    for domain in sdtm_checks.DOMAINS:
        document = json.loads(sdtm_zip[f"{domain}.json"])
        assert document["studyOID"] == define.find("odm:Study", ns).get("OID")
        assert document["metaDataVersionOID"] == version.get("OID")
        for column in document["columns"]:
            item = define.find(f".//odm:ItemDef[@OID='{column['itemOID']}']", ns)
            assert item is not None and item.get("Name") == column["name"]
            if column["dataType"] == "string":
                assert int(item.get("Length")) == column["length"]
    age = define.find(".//odm:ItemDef[@OID='IT.DM.AGE']", ns)
    assert age.get("DataType") == "integer"
    assert age.find("def:Origin", ns).get("Type") == "Derived"
    sex = define.find(".//odm:ItemDef[@OID='IT.DM.SEX']", ns)
    assert sex.find("def:Origin", ns).attrib == {"Type": "Collected", "Source": "Investigator"}
    ny = define.find(".//odm:CodeList[@OID='CL.NY']", ns)
    assert ny.find("odm:Alias", ns).get("Name") == "C66742"
    assert {i.get("CodedValue") for i in ny.iterfind("odm:EnumeratedItem", ns)} <= {"Y", "N"}
    ref = define.find(".//odm:ItemGroupDef[@OID='IG.AE']/odm:ItemRef[@ItemOID='IT.AE.AEHLT']", ns)
    assert ref.get(f"{{{ns['def']}}}HasNoData") == "Yes" and ref.get("MethodOID")


def test_sdtm_define_xml_has_value_level_metadata_per_test_code(sdtm_zip):
    define = etree.fromstring(sdtm_zip["define.xml"])
    ns = sdtm_checks.DEFINE
    tr = define.find(".//odm:ItemDef[@OID='IT.TR.TRORRES']", ns)
    assert tr.find("def:ValueListRef", ns).get("ValueListOID") == "VL.TR.TRORRES"
    tests = {
        r.find("def:WhereClauseRef", ns).get("WhereClauseOID")
        for r in define.find(".//def:ValueListDef[@OID='VL.TR.TRORRES']", ns)
    }
    assert {"WC.TR.TRTESTCD.LDIAM", "WC.TR.TRTESTCD.SUMDIAM"} <= tests
    clause = define.find(".//def:WhereClauseDef[@OID='WC.TR.TRTESTCD.SUMDIAM']", ns)
    check = clause.find("odm:RangeCheck", ns)
    assert check.get(f"{{{ns['def']}}}ItemOID") == "IT.TR.TRTESTCD"
    assert check.findtext("odm:CheckValue", namespaces=ns) == "SUMDIAM"
    total = define.find(".//odm:ItemDef[@OID='IT.TR.TRORRES.SUMDIAM']", ns)
    assert total.get("DataType") in ("integer", "float")
    assert total.find("def:Origin", ns).get("Type") == "Derived"
    overall = define.find(".//odm:ItemDef[@OID='IT.RS.RSORRES.OVRLRESP']", ns)
    codelist = define.find(
        f".//odm:CodeList[@OID='{overall.find('odm:CodeListRef', ns).get('CodeListOID')}']", ns
    )
    values = {i.get("CodedValue") for i in codelist.iterfind("odm:EnumeratedItem", ns)}
    assert values and values <= {"CR", "PR", "SD", "PD", "NE"}
    assert define.find(".//odm:ItemDef[@OID='IT.TS.TSVAL.SDTIGVER']", ns) is not None


def test_sdtm_trial_design_matches_the_subject_datasets(sdtm_zip):
    """DM's arms are TA's, SV's visits are TV's, IE's criteria are TI's (CORE checks these)."""
    dm = csv_rows(sdtm_zip["dm.csv"].decode())
    ta = csv_rows(sdtm_zip["ta.csv"].decode())
    arms = {(r["ARMCD"], r["ARM"]) for r in ta}
    assert {(r["ARMCD"], r["ARM"]) for r in dm if r["ARMCD"]} <= arms
    assert {r["ETCD"] for r in ta} == {r["ETCD"] for r in csv_rows(sdtm_zip["te.csv"].decode())}
    tv = {(r["VISITNUM"], r["VISIT"]) for r in csv_rows(sdtm_zip["tv.csv"].decode())}
    assert {(r["VISITNUM"], r["VISIT"]) for r in csv_rows(sdtm_zip["sv.csv"].decode())} <= tv
    ti = {(r["IETESTCD"], r["IETEST"]) for r in csv_rows(sdtm_zip["ti.csv"].decode())}
    assert len(ti) == 20
    assert {(r["IETESTCD"], r["IETEST"]) for r in csv_rows(sdtm_zip["ie.csv"].decode())} <= ti
    ts = {r["TSPARMCD"]: r["TSVAL"] for r in csv_rows(sdtm_zip["ts.csv"].decode())}
    assert ts["SDTIGVER"] == "3.4" and ts["TPHASE"] == "PHASE I TRIAL"


def test_sdtm_ae_has_the_standard_variables_and_controlled_terms(sdtm_zip, data):
    rows = csv_rows(sdtm_zip["ae.csv"].decode())
    header = list(rows[0])
    for variable in (
        "STUDYID", "DOMAIN", "USUBJID", "AESEQ", "AETERM", "AEDECOD", "AEBODSYS", "AETOXGR",
        "AESER", "AEREL", "AEACN", "AEOUT", "AESTDTC", "AEENDTC", "AESDTH", "AESLIFE",
        "AESHOSP", "AESDISAB", "AESCONG", "AESMIE",
    ):  # fmt: skip
        assert variable in header
    usubjid = f"IL22BP-LNP-001-{data.dosed.subject_number}"
    serious = next(r for r in rows if r["USUBJID"] == usubjid and r["AESEQ"] == "1")
    assert (serious["AESER"], serious["AESHOSP"], serious["AETOXGR"]) == ("Y", "Y", "3")
    assert serious["AEREL"] == "PROBABLY RELATED"
    assert serious["AEOUT"] == "NOT RECOVERED/NOT RESOLVED"
    assert serious["AESTDTC"] == "2026-11-23" and serious["AESTDY"] == "3"
    resolved = next(r for r in rows if r["USUBJID"] == usubjid and r["AESEQ"] == "2")
    assert (resolved["AEOUT"], resolved["AEENDTC"]) == ("RECOVERED/RESOLVED", "2026-11-25")
    assert {r["AESER"] for r in rows} <= {"Y", "N"}


def test_sdtm_dm_ds_ie_cover_screen_failure_and_withdrawal(sdtm_zip, data):
    dm = {r["SUBJID"]: r for r in csv_rows(sdtm_zip["dm.csv"].decode())}
    screen_failed = dm[data.screen_failed.screening_number]
    assert (screen_failed["ARMCD"], screen_failed["ARMNRS"]) == ("", "SCREEN FAILURE")
    assert dm[data.dosed.subject_number]["ACTARMCD"] == "DL1"
    assert data.voided.screening_number not in dm
    ds = csv_rows(sdtm_zip["ds.csv"].decode())
    decods = {(r["USUBJID"].removeprefix("IL22BP-LNP-001-"), r["DSDECOD"]) for r in ds}
    assert (data.withdrawn.subject_number, "WITHDRAWAL BY SUBJECT") in decods
    assert (data.screen_failed.screening_number, "SCREEN FAILURE") in decods
    ie = csv_rows(sdtm_zip["ie.csv"].decode())
    assert [(r["IETESTCD"], r["IEORRES"]) for r in ie] == [("INCL03", "N")]


def test_sdtm_mh_and_cm_carry_the_history_and_medications_at_their_precision(sdtm_zip, data):
    usubjid = f"IL22BP-LNP-001-{data.dosed.subject_number}"
    [condition] = [r for r in csv_rows(sdtm_zip["mh.csv"].decode()) if r["USUBJID"] == usubjid]
    assert (condition["MHTERM"], condition["MHSTDTC"], condition["MHENDTC"]) == (
        "Type 2 diabetes",
        "2019-03",
        "",
    )
    # Ongoing at screening; the baseline grade coded UNK leaves MHTOXGR null.
    assert (condition["MHENRTPT"], condition["MHENTPT"], condition["MHTOXGR"]) == (
        "ONGOING",
        "SCREENING",
        "",
    )
    [medication] = [
        r
        for r in csv_rows(sdtm_zip["cm.csv"].decode())
        if r["USUBJID"] == usubjid and r["CMSPID"] == "CM1"
    ]
    # After the subject's six records of prior systemic therapy (test below).
    assert (medication["CMSEQ"], medication["CMTRT"]) == ("7", "Paracetamol")
    # Linked to the serious AE, taken since 2019 and ongoing after the first dose.
    assert medication["CMINDC"] == data.serious_ae.recorded_term
    assert (medication["CMCAT"], medication["CMSTDTC"]) == ("CONCOMITANT MEDICATION", "2019")
    assert (medication["CMDOSE"], medication["CMDOSU"], medication["CMROUTE"]) == ("", "", "ORAL")
    define = etree.fromstring(sdtm_zip["define.xml"])
    ns = sdtm_checks.DEFINE
    cmcat = define.find(".//odm:ItemDef[@OID='IT.CM.CMCAT']", ns)
    assert cmcat.find("def:Origin", ns).get("Type") == "Derived"


def test_sdtm_xpt_reads_back_as_the_csv(sdtm_zip):
    for domain in ("ae", "dm", "tr", "mh", "cm", "pr"):
        dataset, _label, variables, rows = read_xpt(sdtm_zip[f"{domain}.xpt"])
        table = csv_rows(sdtm_zip[f"{domain}.csv"].decode())
        assert dataset == domain.upper()
        assert [v[0] for v in variables] == list(table[0])
        assert len(rows) == len(table)
        for row, expected in zip(rows, table, strict=True):
            for (name, _label, numeric, _length), value in zip(variables, row, strict=True):
                if numeric:
                    assert value == (float(expected[name]) if expected[name] else None), name
                else:
                    assert value == expected[name], name


# --- audit trail -------------------------------------------------------------------------------


def test_audit_trail_has_who_when_old_new_and_why(data):
    _run, content = export(data, "audit")
    rows = csv_rows(content.read().decode())
    volume = next(
        r
        for r in rows
        if r["record_type"] == "dosing.DosingRecord"
        and r["field"] == "volume_ml"
        and r["action"] == "update"
    )
    assert (volume["old_value"], volume["new_value"]) == ("1.00", "1.20")
    assert volume["user"] == "coord_a"
    assert volume["reason"].startswith("Transcription error")
    assert volume["subject_number"] == data.dosed.subject_number
    assert volume["event_time_utc"].endswith("Z")


def test_audit_trail_keeps_the_voided_subject_and_its_void(data):
    _run, content = export(data, "audit")
    rows = csv_rows(content.read().decode())
    void = [
        r
        for r in rows
        if r["screening_number"] == data.voided.screening_number and r["field"] == "void_reason"
    ]
    assert void and void[0]["new_value"] == "Registered twice by mistake"


def test_audit_trail_date_range_selects_changes(data):
    _run, content = export(
        data,
        "audit",
        date_from=data.dosed.created_at.date().replace(year=2000),
        date_to=data.dosed.created_at.date().replace(year=2001),
    )
    assert csv_rows(content.read().decode()) == []


def test_audit_trail_of_every_site_includes_study_configuration_and_exports(data):
    _run, content = export(data, "audit", user="admin")
    types = {r["record_type"] for r in csv_rows(content.read().decode())}
    assert {"trial.Study", "trial.Membership", "exports.ExportRun"} <= types


def test_audit_trail_of_one_site_has_only_that_sites_subjects(data):
    _run, content = export(data, "audit", user="dm_a")
    rows = csv_rows(content.read().decode())
    assert rows and {r["site"] for r in rows} == {"FR01"}


# --- who, what, which sites --------------------------------------------------------------------


def test_export_run_records_who_format_and_filters(data):
    run, _path = export(data, "csv", user="dm", sites=["FR02"], statuses=["withdrawn"])
    assert run.requested_by == data.users["dm"]
    assert run.format == "csv"
    assert run.filters["sites"] == ["FR02"] and run.filters["statuses"] == ["withdrawn"]
    assert run.row_counts["subjects"] == 1 and run.file_size > 0 and len(run.sha256) == 64
    events = ExportRunEvent.objects.filter(pgh_obj=run).order_by("pgh_id")
    assert [e.status for e in events] == ["pending", "running", "done"]
    assert events[0].pgh_context.metadata["user"] == data.users["dm"].pk
    assert "Export requested: csv" in events[0].pgh_context.metadata["reason"]


def test_data_managers_site_filter_is_honoured(data):
    run, content = export(data, "csv", user="dm_a")
    assert run.filters["sites"] == ["FR01"]
    with zipfile.ZipFile(content) as archive:
        subjects = csv_rows(archive.read("subjects.csv").decode())
    assert {r["site"] for r in subjects} == {"FR01"}


def test_data_manager_cannot_export_a_site_outside_their_role(data):
    with pytest.raises(PermissionDenied, match="FR02"):
        services.export_request(by=data.users["dm_a"], format="csv", sites=["FR02"])


@pytest.mark.parametrize("user", ["coord_a", "inv_a", "monitor", "safety", "nobody"])
def test_only_admins_and_data_managers_export(data, user):
    with pytest.raises(PermissionDenied):
        services.export_request(by=data.users[user], format="csv")


def test_status_and_date_filters_select_subjects(data):
    run, _path = export(data, "csv", statuses=["screen_failed"])
    assert run.row_counts["subjects"] == 1 and run.row_counts["adverse_events"] == 0
    created = data.dosed.created_at.date()
    run, _path = export(data, "csv", date_from=created.replace(year=created.year + 1))
    assert run.row_counts["subjects"] == 0


def test_download_is_counted_and_audited(data):
    run, _path = export(data, "audit")
    services.export_download(run=run, by=data.users["dm"])
    run.refresh_from_db()
    assert run.download_count == 1 and run.last_downloaded_at
    last = ExportRunEvent.objects.filter(pgh_obj=run).latest("pgh_id")
    assert last.download_count == 1
    assert last.pgh_context.metadata["reason"] == "Export downloaded"


def test_sdtm_prior_cancer_therapy_is_in_cm_and_pr_with_its_category(sdtm_zip, data):
    usubjid = f"IL22BP-LNP-001-{data.dosed.subject_number}"
    cm = [r for r in csv_rows(sdtm_zip["cm.csv"].decode()) if r["USUBJID"] == usubjid]
    # Lines 1 and 2 (one record per agent, by line number), then the medication; CMSEQ from 1.
    assert [(r["CMSEQ"], r["CMGRPID"], r["CMTRT"], r["CMCAT"]) for r in cm] == [
        ("1", "LINE 1", "oxaliplatin", "PRIOR CANCER THERAPY"),
        ("2", "LINE 1", "fluorouracil", "PRIOR CANCER THERAPY"),
        ("3", "LINE 1", "folinic acid", "PRIOR CANCER THERAPY"),
        ("4", "LINE 2", "irinotecan", "PRIOR CANCER THERAPY"),
        ("5", "LINE 2", "fluorouracil", "PRIOR CANCER THERAPY"),
        ("6", "LINE 2", "folinic acid", "PRIOR CANCER THERAPY"),
        ("7", "", "Paracetamol", "CONCOMITANT MEDICATION"),
    ]
    assert (cm[0]["CMSTDTC"], cm[0]["CMENDTC"], cm[0]["CMRSDISC"]) == (
        "2025-01",
        "2025-11",
        "PROGRESSION",
    )
    assert [r["CMSPID"] for r in cm] == ["PTS1"] * 3 + ["PTS2"] * 3 + ["CM1"]
    pr = [r for r in csv_rows(sdtm_zip["pr.csv"].decode()) if r["USUBJID"] == usubjid]
    assert [
        (r["PRSEQ"], r["PRSPID"], r["PRTRT"], r["PRSCAT"], r["PRDOSE"], r["PRDOSU"], r["PRSTDTC"])
        for r in pr
    ] == [
        ("1", "RT1", "RADIOTHERAPY", "RADIOTHERAPY", "50", "Gy", "2024-02-05"),
        ("2", "SURGERY1", "Wide local excision", "SURGERY", "", "", "2023-07"),
    ]
    assert {r["PRCAT"] for r in pr} == {"PRIOR CANCER THERAPY"}
    manifest = json.loads(sdtm_zip["manifest.json"])
    assert (manifest["row_counts"]["CM"], manifest["row_counts"]["PR"]) == (14, 4)
