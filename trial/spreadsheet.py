"""Cells that a spreadsheet will not run as formulas (CSV and formula injection, OWASP).

Every CSV and XLSX the application writes goes through this module: `csv_writer` for CSV,
`XlsxWorkbook` for XLSX (XlsxWriter, constant memory). A text value starting with a
character that Excel, LibreOffice or Google Sheets read as the start of a formula (= + - @,
tab, carriage return) gets a leading apostrophe in CSV and is written as a string cell in
XLSX (no `<f>`), with its text unchanged.

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
import datetime
import re
import tempfile
from collections.abc import Iterable, Sequence
from decimal import Decimal

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# ASCII digits only (a spreadsheet reads "-٣" as text, not a number), and so the same
# pattern means the same in PostgreSQL, where the CSV export neutralises (exports.crfs).
PLAIN_NUMBER_PATTERN = r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?( ?%)?"
PLAIN_NUMBER = re.compile(PLAIN_NUMBER_PATTERN)
FIRST_CHARACTERS = frozenset("".join(FORMULA_TRIGGERS) + "'")  # the cells worth a look
# What XlsxWriter escapes in a cell's text (as Excel does): control characters other than
# tab and line feed, and text that reads as such an escape.
_XLSX_ESCAPE_PRONE = re.compile(r"[\x00-\x08\x0b-\x1f\ufffe\uffff]|_x[0-9a-fA-F]{4}_")


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


# --- XLSX -------------------------------------------------------------------------------------

# Excel's limits: rows and columns of a sheet, UTF-16 code units of a cell's text.
XLSX_MAX_ROWS = 1_048_576
XLSX_MAX_COLUMNS = 16_384
XLSX_MAX_TEXT = 32_767
# Number formats as openpyxl gave them, so that a reader sees dates as dates.
XLSX_DATE_FORMATS = {
    datetime.date: "yyyy-mm-dd",
    datetime.datetime: "yyyy-mm-dd h:mm:ss",
    datetime.time: "h:mm:ss",
}


class _ByType(dict):
    """Cell writers by a value's exact type; a subclass (a str subclass, say) gets its
    nearest registered base's writer, and a type with none is refused."""

    def __missing__(self, kind: type):
        for base in kind.__mro__[1:]:
            if base in self:
                self[kind] = self[base]
                return self[base]
        raise TypeError(f"an XLSX cell cannot hold a {kind.__name__}")


class XlsxWorkbook:
    """An XLSX file written by XlsxWriter in constant-memory mode: each row goes to a
    temporary file when the next one starts, so memory does not grow with the rows; sheets
    are filled one after the other, rows in order (`sheet`, then `XlsxSheet.append`), and
    `close` assembles the file at `path`. As a context manager it closes on success; on an
    error it writes no file, and either way its temporary files are removed (XlsxWriter
    leaves them behind when it is not closed)."""

    def __init__(self, path):
        import xlsxwriter

        self._tmpdir = tempfile.TemporaryDirectory(prefix="xlsx-")
        # The strings_to_* options only matter to XlsxWriter's type-sniffing write(), never
        # called here (every cell goes through the explicit write_* of its type, below):
        # set anyway, so that no text can become a formula or a link by another way in.
        self._workbook = xlsxwriter.Workbook(
            str(path),
            {
                "constant_memory": True,
                "tmpdir": self._tmpdir.name,
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
            },
        )
        self.formats = {
            kind: self._workbook.add_format({"num_format": code})
            for kind, code in XLSX_DATE_FORMATS.items()
        }

    def sheet(self, name: str) -> XlsxSheet:
        return XlsxSheet(self, self._workbook.add_worksheet(name))

    def close(self) -> None:
        try:
            self._workbook.close()
        finally:
            self._tmpdir.cleanup()

    def __enter__(self) -> XlsxWorkbook:
        return self

    def __exit__(self, kind, value, traceback) -> None:
        if kind is None:
            self.close()
        else:
            self._tmpdir.cleanup()


class XlsxSheet:
    """One sheet of an `XlsxWorkbook`, filled by `append` as openpyxl's write-only sheets
    were, each value written by its type: text always as a string cell (never a formula,
    whatever it starts with), int, float and Decimal as numbers, bool as a boolean, dates,
    datetimes and times as dates with the formats of `XLSX_DATE_FORMATS`, None and empty
    text as an empty cell. Excel has no time zones: an aware datetime is written in UTC
    (the data dictionary says so). Any other type is refused (TypeError)."""

    def __init__(self, workbook: XlsxWorkbook, worksheet):
        self._worksheet = worksheet
        self._row = 0
        formats = workbook.formats
        write_datetime = worksheet.write_datetime
        date_format, time_format = formats[datetime.date], formats[datetime.time]
        datetime_format = formats[datetime.datetime]
        number = worksheet.write_number

        def write_utc(row, col, value):
            if value.tzinfo is not None:
                value = value.astimezone(datetime.UTC).replace(tzinfo=None)
            write_datetime(row, col, value, datetime_format)

        self._write = _ByType(
            {
                str: self._write_text,
                int: number,
                float: number,
                Decimal: number,
                bool: worksheet.write_boolean,
                datetime.datetime: write_utc,
                datetime.date: lambda row, col, value: write_datetime(row, col, value, date_format),
                datetime.time: lambda row, col, value: write_datetime(row, col, value, time_format),
            }
        )

    def _write_text(self, row: int, col: int, text: str) -> None:
        if not text:
            return  # openpyxl wrote an empty string cell, read back as empty
        if text.startswith("<r>") and text.endswith("</r>"):
            # XlsxWriter takes such a string for rich-text XML of its own making and writes
            # it unescaped: '<r></r></is><f>HYPERLINK(..)</f><is><r></r>' would be a formula
            # cell. As three runs of a rich string each run is escaped, the text the same.
            if _XLSX_ESCAPE_PRONE.search(text):
                # ...but a control character or "_xHHHH_" in it would be escaped twice
                # (shown altered): refused rather than changed.
                raise ValueError(f"XLSX cannot hold this text unchanged: {text[:80]!r}")
            written = self._worksheet.write_rich_string(row, col, text[0], text[1], text[2:])
        else:
            written = self._worksheet.write_string(row, col, text)
        if written:  # -2: cut at Excel's 32,767 characters
            raise ValueError(
                f"XLSX cannot hold text over {XLSX_MAX_TEXT:,} characters: {text[:80]!r}..."
            )

    def append(self, values: Sequence) -> None:
        """The next row; None leaves a cell empty."""
        row = self._row
        if row >= XLSX_MAX_ROWS or len(values) > XLSX_MAX_COLUMNS:
            # XlsxWriter would drop the cells (write_* returns -1) and go on.
            raise ValueError(
                f"an XLSX sheet holds at most {XLSX_MAX_ROWS:,} rows "
                f"of {XLSX_MAX_COLUMNS:,} columns"
            )
        write, write_string = self._write, self._worksheet.write_string
        for col, value in enumerate(values):
            if value.__class__ is str:
                # Most cells, in one call: text not starting with "<" and within Excel's
                # length (write_string returns 0). Empty text, markup, too long: the long way.
                if value and (value[0] == "<" or write_string(row, col, value)):
                    self._write_text(row, col, value)
            elif value is not None:
                write[value.__class__](row, col, value)
        self._row = row + 1
