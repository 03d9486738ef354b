"""Formula neutralisation of CSV and XLSX cells (trial.spreadsheet), without a database."""

import csv
import io
from decimal import Decimal

import openpyxl
import pytest
from openpyxl import Workbook

from trial.spreadsheet import csv_writer, neutralised, restored, xlsx_row

PAYLOAD = '=HYPERLINK("http://x","open")'


NEUTRALISED_CASES = [
    (PAYLOAD, "'" + PAYLOAD),
    ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
    ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
    ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
    ("\t=1+1", "'\t=1+1"),
    ("\r=1+1", "'\r=1+1"),
    ("-1+2", "'-1+2"),
    ("-2 cycles", "'-2 cycles"),
    # Already an apostrophe before a trigger: one more, so `restored` is exact.
    ("'=1+1", "''=1+1"),
    # Plain numbers written as text are read as numbers by a spreadsheet: left alone.
    ("-30", "-30"),
    ("+2.5", "+2.5"),
    ("-1e-05", "-1e-05"),
    ("-30%", "-30%"),
    ("-30 %", "-30 %"),
    # Only ASCII digits make a number (as in PostgreSQL, where the CSV export neutralises).
    ("-٣", "'-٣"),
    ("-３", "'-３"),
    # Nothing to neutralise.
    ("Nausea", "Nausea"),
    ("a=b", "a=b"),
    ("'t Hooft", "'t Hooft"),
    ("", ""),
    # Numbers are never text: they stay numbers.
    (-30, -30),
    (Decimal("-2.500"), Decimal("-2.500")),
    (-0.5, -0.5),
    (None, None),
]


@pytest.mark.parametrize(("value", "expected"), NEUTRALISED_CASES)
def test_neutralised(value, expected):
    assert neutralised(value) == expected


@pytest.mark.parametrize(
    "text", [PAYLOAD, "'=1+1", "''@x", "-30", "-30 %", "Nausea", "'t Hooft", "", "\r=1"]
)
def test_restored_undoes_neutralised_exactly(text):
    assert restored(neutralised(text)) == text


def test_csv_writer_neutralises_text_cells_and_keeps_numbers():
    out = io.StringIO()
    writer = csv_writer(out)
    writer.writerow(["term", "change"])
    writer.writerows([[PAYLOAD, -30], ["Fatigue", Decimal("-2.5")]])
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows == [["term", "change"], ["'" + PAYLOAD, "-30"], ["Fatigue", "-2.5"]]


def test_xlsx_row_types_text_as_strings_and_keeps_numbers(tmp_path):
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("AE")
    sheet.append(xlsx_row(sheet, [PAYLOAD, -30, "-5", None]))
    path = tmp_path / "book.xlsx"
    workbook.save(path)
    cells = next(openpyxl.load_workbook(path)["AE"].iter_rows())
    assert [c.data_type for c in cells[:3]] == ["s", "n", "s"]
    assert cells[0].value == PAYLOAD and cells[1].value == -30
    with __import__("zipfile").ZipFile(path) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml
