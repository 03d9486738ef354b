"""CSV (a zip with one file per CRF and the data dictionary) and the XLSX workbook.

Rows are streamed from server-side cursors straight into the zip member or the XLSX sheet
(XlsxWriter in constant-memory mode), so memory does not grow with the number of rows. A
dataset whose every cell PostgreSQL can print as the Python writer would (`Crf.copyable`) is
written by COPY instead: the same bytes, in a fraction of the time (docs/performance.md).
"""

import io
import itertools
import json
import zipfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from django.db import connection

from exports.crfs import DICTIONARY_HEADER, Crf, dictionary_rows, formatted, text_formatters
from trial.spreadsheet import XlsxWorkbook, csv_writer

Tick = Callable[[int], None]
PROGRESS_EVERY = 2000


def _write_rows(writer, rows: Iterator, formatters, tick: Tick) -> int:
    count = 0
    while batch := list(itertools.islice(rows, PROGRESS_EVERY)):
        if formatters:
            batch = [formatted(row, formatters) for row in batch]
        writer.writerows(batch)
        count += len(batch)
        tick(len(batch))
    return count


def _copy_rows(handle: BinaryIO, crf: Crf, subjects) -> int:
    """The rows of COPY, CRLF-terminated like csv.writer's. The server sends each row in a
    message of its own, so a block ends where its row does (checked). Nothing else may run
    on the connection until the COPY is over (psycopg holds its lock): no progress tick in
    here, the caller ticks after."""
    count, pending = 0, []
    with connection.cursor() as cursor, cursor.cursor.copy(crf.copy_sql(subjects)) as copy:
        for block in copy:
            if block[-1] != 10:  # b"\n"
                raise RuntimeError(f"COPY of {crf.name}: a block that is not whole rows")
            pending.append(block[:-1])
            if len(pending) == PROGRESS_EVERY:
                handle.write(b"\r\n".join(pending) + b"\r\n")
                count, pending = count + len(pending), []
    if pending:
        handle.write(b"\r\n".join(pending) + b"\r\n")
    return count + len(pending)


def write_crf_csv(handle: BinaryIO, crf: Crf, subjects, tick: Tick, *, copy: bool = True) -> int:
    """One CRF's CSV (UTF-8, header row, CRLF) into a binary file; returns its row count.

    Through COPY if the dataset allows it and `copy`, else row by row: the same bytes."""
    if copy and crf.copyable:
        header = io.StringIO(newline="")
        csv_writer(header).writerow([c.name for c in crf.columns])
        handle.write(header.getvalue().encode("utf-8"))
        count = _copy_rows(handle, crf, subjects)
        tick(count)
        return count
    text = io.TextIOWrapper(handle, encoding="utf-8", newline="")
    try:
        writer = csv_writer(text)
        writer.writerow([c.name for c in crf.columns])
        return _write_rows(
            writer,
            crf.rows(subjects, as_text=True),
            text_formatters(crf.columns, as_text=True),
            tick,
        )
    finally:
        text.detach()  # flushed; the caller closes its file


def write_csv_zip(path: Path, crfs: Iterable[Crf], subjects, manifest: dict, tick: Tick) -> dict:
    """One CSV per CRF (UTF-8, header row), the data dictionary and a manifest."""
    crfs = list(crfs)
    counts = {}
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for crf in crfs:
            with archive.open(f"{crf.name}.csv", "w", force_zip64=True) as raw:
                counts[crf.name] = write_crf_csv(raw, crf, subjects, tick)
        with (
            archive.open("data_dictionary.csv", "w") as raw,
            io.TextIOWrapper(raw, encoding="utf-8", newline="") as text,
        ):
            writer = csv_writer(text)
            writer.writerow(DICTIONARY_HEADER)
            writer.writerows(dictionary_rows(crfs))
        archive.writestr(
            "manifest.json", json.dumps(manifest | {"row_counts": counts}, indent=2) + "\n"
        )
    return counts


_XLSX_FORMATTED = frozenset({"boolean", "list", "json"})


def xlsx_sheets(crfs: list[Crf], subjects, manifest: dict) -> Iterator[tuple]:
    """The workbook's sheets in order, each as (sheet name, CRF name or "", header row or
    None, rows): the manifest ("About"), the data dictionary, then a sheet per CRF. The cells
    are typed values, written by trial.spreadsheet.XlsxSheet."""
    about = ([k, json.dumps(v) if isinstance(v, dict | list) else v] for k, v in manifest.items())
    yield "About", "", None, about
    yield "Data dictionary", "", DICTIONARY_HEADER, dictionary_rows(crfs)
    for crf in crfs:
        formatters = [
            (i, f)
            for i, f in text_formatters(crf.columns)
            if crf.columns[i].datatype in _XLSX_FORMATTED
        ]
        rows = (formatted(row, formatters) for row in crf.rows(subjects))
        yield crf.name[:31], crf.name, [c.name for c in crf.columns], rows


def write_xlsx(path: Path, crfs: Iterable[Crf], subjects, manifest: dict, tick: Tick) -> dict:
    """One workbook: the manifest, the data dictionary, then a sheet per CRF; returns each
    CRF's row count."""
    counts = {}
    with XlsxWorkbook(path) as workbook:
        for name, crf_name, header, rows in xlsx_sheets(list(crfs), subjects, manifest):
            sheet = workbook.sheet(name)
            if header is not None:
                sheet.append(header)
            count = 0
            for row in rows:
                sheet.append(row)
                count += 1
                if count % PROGRESS_EVERY == 0 and crf_name:
                    tick(PROGRESS_EVERY)
            if crf_name:
                tick(count % PROGRESS_EVERY)
                counts[crf_name] = count
    return counts
