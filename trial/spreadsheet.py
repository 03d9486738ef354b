"""Cells that a spreadsheet will not run as formulas (CSV and formula injection, OWASP).

Every CSV and XLSX the application writes goes through this module: `csv_writer` for CSV,
`xlsx_row` for openpyxl's write-only sheets. A text value starting with a character that
Excel, LibreOffice or Google Sheets read as the start of a formula (= + - @, tab, carriage
return) gets a leading apostrophe in CSV and is typed as a string in XLSX (no `<f>`).

Only text is neutralised, never numbers: an int, float or Decimal is written as it is
(-30 stays the number -30), and so is text that is a plain decimal number ("-30", "+2.5",
"-1e-05", "-30 %" as the dashboards print a change), which a spreadsheet reads as that
number and cannot run. "-1+2" or "-2 cycles" are text and get the apostrophe. A value
already starting with apostrophes before a trigger gets one more, so `restored` undoes the
neutralisation exactly (the SDTM transport files, which are no spreadsheet, are written from
the CSV and carry the original text).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# ASCII digits only (a spreadsheet reads "-٣" as text, not a number), and so the same
# pattern means the same in PostgreSQL, where the CSV export neutralises (exports.crfs).
PLAIN_NUMBER_PATTERN = r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?( ?%)?"
PLAIN_NUMBER = re.compile(PLAIN_NUMBER_PATTERN)
FIRST_CHARACTERS = frozenset("".join(FORMULA_TRIGGERS) + "'")  # the cells worth a look


def _needs_apostrophe(text: str) -> bool:
    bare = text.lstrip("'")
    return bare.startswith(FORMULA_TRIGGERS) and not PLAIN_NUMBER.fullmatch(text)


def neutralised(value):
    """The value as a CSV cell: text that would start a formula gets a leading apostrophe."""
    if (
        isinstance(value, str)
        and value
        and value[0] in FIRST_CHARACTERS
        and _needs_apostrophe(value)
    ):
        return "'" + value
    return value


def restored(text: str) -> str:
    """The original text of a cell written by `neutralised` (read back from our own CSV)."""
    if text.startswith("'") and _needs_apostrophe(text[1:]):
        return text[1:]
    return text


class _NeutralisingWriter:
    """csv.writer whose rows go through `neutralised`."""

    def __init__(self, writer):
        self._writer = writer

    def writerow(self, row: Iterable):
        return self._writer.writerow([neutralised(v) for v in row])

    def writerows(self, rows: Iterable[Iterable]):
        return self._writer.writerows([neutralised(v) for v in row] for row in rows)


def csv_writer(handle, **options) -> _NeutralisingWriter:
    """A csv.writer (same options) that neutralises formula triggers in text cells."""
    return _NeutralisingWriter(csv.writer(handle, **options))


def xlsx_row(sheet, values: Iterable) -> list:
    """Cells for `sheet.append` on a write-only openpyxl sheet: text is always a string
    cell (openpyxl would otherwise store text starting with "=" as a formula)."""
    from openpyxl.cell import WriteOnlyCell

    cells = []
    for value in values:
        if isinstance(value, str):
            cell = WriteOnlyCell(sheet, value=value)
            cell.data_type = "s"
            cells.append(cell)
        else:
            cells.append(value)
    return cells
