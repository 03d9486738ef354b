"""The vital signs in the SDTM zip: VS in CSV, SAS transport and Dataset-JSON, and in
define.xml with value-level metadata per test code; the dosing CRF's readings and the vital
signs CRF's, one domain. The vital signs CRF's own dataset in the CSV export."""

import csv
import io
import zipfile
from datetime import UTC, datetime
from decimal import Decimal

from lxml import etree

from dosing.models import DosingRecord
from dosing.services import dose_void
from tests.dosing.factories import C2D1_TARGET, dosed_subject, record_dose
from tests.exports import sdtm_checks
from tests.exports.factories import exported
from tests.vitals.factories import record_vitals


def test_vs_in_the_sdtm_zip_with_define_xml_and_dataset_json(
    study, site_a, coordinator_a, investigator_a, settings, tmp_path
):
    settings.VAR_DIR = tmp_path
    subject = dosed_subject(study, site_a, coordinator_a, investigator_a)
    record_dose(subject, "C2D1", coordinator_a, administered_on=C2D1_TARGET)
    dose_void(
        record=DosingRecord.objects.get(subject=subject, visit__code="C2D1"),
        by=coordinator_a,
        reason="Entered for the wrong subject",
        now=datetime(2026, 12, 20, 10, tzinfo=UTC),
    )
    with zipfile.ZipFile(io.BytesIO(exported("sdtm"))) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}

    rows = list(csv.DictReader(io.StringIO(files["vs.csv"].decode())))
    assert len(rows) == 12  # C1D1 before and after the dose; the voided C2D1 not
    assert [(r["VSTPT"], r["VSTESTCD"], r["VSORRES"], r["VSORRESU"]) for r in rows[:6]] == [
        ("PRE-DOSE", "TEMP", "36.8", "C"),
        ("PRE-DOSE", "PULSE", "72", "beats/min"),
        ("PRE-DOSE", "SYSBP", "124", "mmHg"),
        ("PRE-DOSE", "DIABP", "78", "mmHg"),
        ("PRE-DOSE", "RESP", "14", "breaths/min"),
        ("PRE-DOSE", "OXYSAT", "98", "%"),
    ]
    assert {r["VSLOBXFL"] for r in rows[:6]} == {"Y"} and {r["VSLOBXFL"] for r in rows[6:]} == {""}
    for extension in ("xpt", "json"):
        assert f"vs.{extension}" in files
    assert sdtm_checks.dataset_problems(files, "vs") == []
    define = etree.fromstring(files["define.xml"])
    ns = sdtm_checks.DEFINE
    assert define.find(".//odm:ItemGroupDef[@OID='IG.VS']", ns) is not None
    where = {w.get("OID") for w in define.findall(".//def:WhereClauseDef", ns)}
    assert {"WC.VS.VSTESTCD.TEMP", "WC.VS.VSTESTCD.OXYSAT"} <= where
    testcd = define.find(".//odm:CodeList[@OID='CL.VSTESTCD']", ns)
    assert testcd.find("odm:Alias", ns).get("Name") == "C66741"


def test_the_vital_signs_crf_in_the_csv_odm_and_sdtm_exports(
    study, site_a, coordinator_a, investigator_a, settings, tmp_path
):
    settings.VAR_DIR = tmp_path
    subject = dosed_subject(study, site_a, coordinator_a, investigator_a)
    record_vitals(subject, coordinator_a, pulse_bpm=Decimal("81"))

    with zipfile.ZipFile(io.BytesIO(exported("csv"))) as archive:
        [row] = csv.DictReader(io.StringIO(archive.read("vital_signs.csv").decode()))
    assert (row["visit"], row["time_point"], row["pulse_bpm"]) == ("C1D2", "visit", "81")
    odm = exported("odm").decode()
    assert 'FormOID="F.VS"' in odm and 'ItemOID="IT.VS.PULSE_BPM" Value="81"' in odm
    with zipfile.ZipFile(io.BytesIO(exported("sdtm"))) as archive:
        rows = list(csv.DictReader(io.StringIO(archive.read("vs.csv").decode())))
    at_c1d2 = [r for r in rows if r["VISIT"] == "Cycle 1 Day 2 (safety)"]
    assert len(rows) == 12 + 6
    assert [(r["VSTESTCD"], r["VSTPT"]) for r in at_c1d2][:2] == [("TEMP", ""), ("PULSE", "")]
    assert at_c1d2[1]["VSORRES"] == "81"
