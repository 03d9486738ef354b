"""The vital signs of the dosing CRF in the SDTM zip: VS in CSV, SAS transport and
Dataset-JSON, and in define.xml with value-level metadata per test code."""

import csv
import io
import zipfile
from datetime import UTC, datetime

from lxml import etree

from dosing.models import DosingRecord
from dosing.services import dose_void
from tests.dosing.factories import C2D1_TARGET, dosed_subject, record_dose
from tests.exports import sdtm_checks
from tests.exports.factories import exported


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
