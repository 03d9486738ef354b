"""Lab results in the CSV zip, the XLSX workbook and the ODM file, from the kind's export
specification (labs.crf), with the value as reported beside the standardised one."""

import csv
import io
import zipfile
from decimal import Decimal

import openpyxl
from lxml import etree

from tests.exports.factories import exported
from tests.labs.factories import record_result
from tests.screening.factories import PLANNED_C1D1

ODM = "{http://www.cdisc.org/ns/odm/v1.3}"


def test_lab_results_are_in_every_tabular_export_and_in_odm(
    subject, coordinator_a, settings, tmp_path
):
    settings.VAR_DIR = tmp_path
    result = record_result(subject, coordinator_a, test="HGB", value=Decimal("9.5"), unit="g/dL")

    with zipfile.ZipFile(io.BytesIO(exported("csv"))) as archive:
        [row] = csv.DictReader(io.StringIO(archive.read("lab_results.csv").decode()))
    assert (row["subject_number"], row["visit"], row["test"]) == (
        subject.subject_number,
        "C1D8",
        "HGB",
    )
    assert (row["value"], row["unit"]) == ("9.5000", "g/dL")
    assert (row["standard_value"], row["standard_unit"]) == ("95.0000", "g/L")
    assert (row["range_indicator"], row["grade"]) == ("LOW", str(result.grade))

    workbook = openpyxl.load_workbook(io.BytesIO(exported("xlsx")), read_only=True)
    assert "lab_results" in workbook.sheetnames

    odm = etree.fromstring(exported("odm"))
    values = {i.get("ItemOID"): i.get("Value") for i in odm.iter(f"{ODM}ItemData")}
    assert values["IT.LB.TEST"] == "HGB"
    assert values["IT.LB.STANDARD_UNIT"] == "g/L"
    assert odm.find(f".//{ODM}FormDef[@OID='F.LB']") is not None


def test_lb_in_the_sdtm_zip_with_define_xml_and_dataset_json(
    subject, coordinator_a, settings, tmp_path
):
    """The LB files, the Dataset-JSON equal to the XPT, define.xml valid with LB's
    value-level metadata per test code (tests.exports.sdtm_checks)."""
    from tests.exports import sdtm_checks

    settings.VAR_DIR = tmp_path
    record_result(subject, coordinator_a, visit_code="C1D1", collected_on=PLANNED_C1D1)
    record_result(subject, coordinator_a, test="NEUT", value=Decimal("1200"), unit="/mm³")
    with zipfile.ZipFile(io.BytesIO(exported("sdtm"))) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}

    rows = list(csv.DictReader(io.StringIO(files["lb.csv"].decode())))
    assert [(r["LBTESTCD"], r["LBORRES"], r["LBORRESU"]) for r in rows] == [
        ("ALT", "50", "U/L"),
        ("NEUT", "1200", "/mm3"),
    ]
    neut = rows[1]
    assert (neut["LBSTRESN"], neut["LBSTRESU"], neut["LBNRIND"], neut["LBTOXGR"]) == (
        "1.2",
        "10^9/L",
        "LOW",
        "2",
    )
    assert (neut["LBSTNRLO"], neut["LBSTNRHI"], neut["LBORNRLO"]) == ("2", "7.5", "")
    assert rows[0]["LBLOBXFL"] == "Y" and neut["LBLOBXFL"] == ""
    assert sdtm_checks.dataset_problems(files, "lb") == []
    define = etree.fromstring(files["define.xml"])
    ns = sdtm_checks.DEFINE
    where = define.findall(".//def:WhereClauseDef", ns)
    assert {"WC.LB.LBTESTCD.ALT", "WC.LB.LBTESTCD.NEUT"} <= {w.get("OID") for w in where}
