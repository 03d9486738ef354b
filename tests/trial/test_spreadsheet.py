"""Formula neutralisation of CSV and XLSX cells, and XLSX cell types (trial.spreadsheet),
without a database."""

import csv
import io
import tempfile
import zipfile
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.utils.safestring import mark_safe
from openpyxl.utils.escape import unescape

from trial.spreadsheet import (
    XLSX_MAX_ROWS,
    XLSX_MAX_TEXT,
    XlsxWorkbook,
    csv_writer,
    neutralised,
    restored,
)

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


# --- XLSX: each value read back by openpyxl as the same value and type ----------------------

PARIS = ZoneInfo("Europe/Paris")


def excel(*fields) -> datetime:
    """A datetime as openpyxl reads it back: naive (Excel has no time zones), here in UTC."""
    return datetime(*fields, tzinfo=UTC).replace(tzinfo=None)


# (value written, value read back, openpyxl's data_type, number format or None)
XLSX_CASES = [
    # Text starting with each formula trigger stays that text, in a string cell.
    ("=1+1", "=1+1", "s", None),
    (PAYLOAD, PAYLOAD, "s", None),
    ("+1+cmd|' /C calc'!A0", "+1+cmd|' /C calc'!A0", "s", None),
    ("-2+3+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0", "s", None),
    ("@SUM(A1:A2)", "@SUM(A1:A2)", "s", None),
    ("\t=1+1", "\t=1+1", "s", None),
    ("\r=1+1", "\r=1+1", "s", None),
    ("'=1+1", "'=1+1", "s", None),
    ("{=SUM(A1:A2)}", "{=SUM(A1:A2)}", "s", None),  # an array formula to write()
    # XlsxWriter's own rich-text markup, unescaped in its writer: a formula cell if written
    # as a plain string (trial.spreadsheet writes it as runs of a rich string).
    ("<r></r></is><f>1+1</f><is><r></r>", "<r></r></is><f>1+1</f><is><r></r>", "s", None),
    ("<r></r>", "<r></r>", "s", None),
    ("http://example.org/ae/1", "http://example.org/ae/1", "s", None),  # no link
    ("-30", "-30", "s", None),  # text, as the CSV's cell is
    ("0042", "0042", "s", None),
    ("TRUE", "TRUE", "s", None),
    ("  leading and trailing  ", "  leading and trailing  ", "s", None),
    ("line one\r\nline two", "line one\r\nline two", "s", None),
    ("発熱性好中球減少症 🙂", "発熱性好中球減少症 🙂", "s", None),
    ("a\x01b", "a\x01b", "s", None),  # a control character: Excel's escape, _x0001_
    ("_x0041_", "_x0041_", "s", None),  # text that reads as that escape, escaped itself
    ("x" * XLSX_MAX_TEXT, "x" * XLSX_MAX_TEXT, "s", None),
    ("", None, "n", None),  # empty text is an empty cell, as in openpyxl's files
    (None, None, "n", None),
    # Numbers, never neutralised.
    (-30, -30, "n", None),
    (0, 0, "n", None),
    (-0.5, -0.5, "n", None),
    (Decimal("-2.500"), -2.5, "n", None),
    (Decimal("95.0000"), 95, "n", None),
    (Decimal("0.1"), 0.1, "n", None),
    (True, True, "b", None),
    (False, False, "b", None),
    # Dates, read back as datetimes at midnight; Excel has no time zones: aware datetimes in UTC.
    (date(2026, 1, 2), excel(2026, 1, 2), "d", "yyyy-mm-dd"),
    (
        datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        excel(2026, 1, 2, 3, 4, 5),
        "d",
        "yyyy-mm-dd h:mm:ss",
    ),
    (
        datetime(2026, 7, 1, 10, 0, tzinfo=PARIS),
        excel(2026, 7, 1, 8, 0),
        "d",
        "yyyy-mm-dd h:mm:ss",
    ),
    (
        excel(2026, 12, 31, 23, 59, 59),
        excel(2026, 12, 31, 23, 59, 59),
        "d",
        "yyyy-mm-dd h:mm:ss",
    ),
    (
        datetime(2026, 1, 2, 3, 4, 5, 250000, tzinfo=UTC),
        excel(2026, 1, 2, 3, 4, 5, 250000),
        "d",
        "yyyy-mm-dd h:mm:ss",
    ),
    (time(9, 30), time(9, 30), "d", "h:mm:ss"),
    # A subclass of a written type is written as that type.
    (mark_safe("=1+1"), "=1+1", "s", None),
]


def _excel_text(value):
    """A string cell's text as Excel reads it: openpyxl leaves the _xHHHH_ escapes of
    control characters (ECMA-376, ST_Xstring) as they are in the file."""
    return unescape(value) if isinstance(value, str) else value


def _written(tmp_path, rows):
    path = tmp_path / "book.xlsx"
    with XlsxWorkbook(path) as workbook:
        sheet = workbook.sheet("AE")
        for row in rows:
            sheet.append(row)
    return path


@pytest.fixture(scope="module")
def xlsx_read_back(tmp_path_factory):
    """Every case in one sheet (a row each, after a header), read back with openpyxl."""
    path = _written(
        tmp_path_factory.mktemp("xlsx"), [["value"], *([case[0]] for case in XLSX_CASES)]
    )
    sheet = openpyxl.load_workbook(path)["AE"]
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
    return {
        "cells": [row[0] for row in sheet.iter_rows(min_row=2)],
        "names": names,
        "xml": sheet_xml,
    }


@pytest.mark.parametrize(("position", "case"), list(enumerate(XLSX_CASES)))
def test_xlsx_cell_reads_back_as_the_same_value_and_type(xlsx_read_back, position, case):
    _value, expected, data_type, number_format = case
    cell = xlsx_read_back["cells"][position]
    got = _excel_text(cell.value)
    assert (got, cell.data_type) == (expected, data_type)
    assert type(got) is type(expected) or {type(got), type(expected)} <= {int, float}
    if number_format:
        assert cell.is_date and cell.number_format == number_format
    else:
        assert not cell.is_date


def test_xlsx_file_has_no_formula_and_no_link(xlsx_read_back):
    xml = xlsx_read_back["xml"]
    assert "<f>" not in xml and "<f " not in xml
    assert "<hyperlink" not in xml
    assert not any("rels" in n and "sheet" in n for n in xlsx_read_back["names"])


def test_xlsx_header_and_rows_keep_their_columns_with_empty_cells(tmp_path):
    path = _written(tmp_path, [["a", "b", "c"], [None, "=x", None], [1, None, date(2026, 1, 1)]])
    rows = list(openpyxl.load_workbook(path)["AE"].values)
    assert rows == [("a", "b", "c"), (None, "=x", None), (1, None, excel(2026, 1, 1))]


@pytest.mark.parametrize(
    ("value", "error"),
    [
        ("x" * (XLSX_MAX_TEXT + 1), ValueError),  # XlsxWriter would cut it silently
        ("é" * 16_384 + "🙂" * 8_192, ValueError),  # 32,768 UTF-16 units
        ("<r>a\x01b</r>", ValueError),  # its control character would be shown escaped
        ("<r>_x0041_</r>", ValueError),
        (timedelta(days=1), TypeError),
        ({"grade": 3}, TypeError),
        (["a"], TypeError),
        (float("nan"), TypeError),
    ],
)
def test_xlsx_refuses_a_value_it_cannot_hold_unchanged(tmp_path, value, error):
    with pytest.raises(error), XlsxWorkbook(tmp_path / "book.xlsx") as workbook:
        workbook.sheet("AE").append([value])


def test_xlsx_refuses_a_row_past_excels_last(tmp_path):
    with XlsxWorkbook(tmp_path / "book.xlsx") as workbook:
        sheet = workbook.sheet("AE")
        sheet._row = XLSX_MAX_ROWS - 1
        sheet.append(["last"])
        with pytest.raises(ValueError):
            sheet.append(["one too many"])


def test_xlsx_failed_midway_writes_no_file_and_leaves_no_temporary_file(tmp_path, monkeypatch):
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))
    path = tmp_path / "book.xlsx"
    with pytest.raises(TypeError), XlsxWorkbook(path) as workbook:
        workbook.sheet("About").append(["export_id", 1])
        sheet = workbook.sheet("AE")
        sheet.append(["grade"])
        sheet.append([3])
        sheet.append([timedelta(days=1)])
    assert not path.exists()
    assert list(temporary.iterdir()) == []


def test_xlsx_closed_leaves_no_temporary_file(tmp_path, monkeypatch):
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))
    _written(tmp_path, [["grade"], [3]])
    assert list(temporary.iterdir()) == []
