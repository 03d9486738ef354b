"""Lab results in the CSV zip, the XLSX workbook and the ODM file, from the kind's export
specification (labs.crf), with the value as reported beside the standardised one."""

import csv
import io
import zipfile
from decimal import Decimal

import openpyxl
from lxml import etree

from exports import services
from exports.models import ExportStatus
from tests.labs.factories import record_result

ODM = "{http://www.cdisc.org/ns/odm/v1.3}"


def _export(fmt: str) -> bytes:
    run = services.export_run(
        run_id=services.export_request(by=None, format=fmt, channel="command").pk
    )
    assert run.status == ExportStatus.DONE, run.error
    with services.export_open(run) as handle:
        return handle.read()


def test_lab_results_are_in_every_tabular_export_and_in_odm(
    subject, coordinator_a, settings, tmp_path
):
    settings.VAR_DIR = tmp_path
    result = record_result(subject, coordinator_a, test="HGB", value=Decimal("9.5"), unit="g/dL")

    with zipfile.ZipFile(io.BytesIO(_export("csv"))) as archive:
        [row] = csv.DictReader(io.StringIO(archive.read("lab_results.csv").decode()))
    assert (row["subject_number"], row["visit"], row["test"]) == (
        subject.subject_number,
        "C1D8",
        "HGB",
    )
    assert (row["value"], row["unit"]) == ("9.5000", "g/dL")
    assert (row["standard_value"], row["standard_unit"]) == ("95.0000", "g/L")
    assert (row["range_indicator"], row["grade"]) == ("LOW", str(result.grade))

    workbook = openpyxl.load_workbook(io.BytesIO(_export("xlsx")), read_only=True)
    assert "lab_results" in workbook.sheetnames

    odm = etree.fromstring(_export("odm"))
    values = {i.get("ItemOID"): i.get("Value") for i in odm.iter(f"{ODM}ItemData")}
    assert values["IT.LB.TEST"] == "HGB"
    assert values["IT.LB.STANDARD_UNIT"] == "g/L"
    assert odm.find(f".//{ODM}FormDef[@OID='F.LB']") is not None
