"""XLSX writers side by side on cells shaped like the AE sheet: openpyxl write-only (the
floor: the export's writer until 2026-12-04, text typed as string cells by `openpyxl_row`),
XlsxWriter constant_memory the way the export writes now (trial.spreadsheet.XlsxWorkbook),
pyexcelerate and rustpy-xlsxwriter.

Prints figures; asserts nothing; needs no database. The rows are generated in Python
(seeded, the same in every process): text with non-ASCII and formula triggers ("=1+1",
"'quoted", "+33 ...", "@x") to be kept as text, dates, datetimes (UTC, naive, whole
seconds, as the export writes them), integers, "Y"/"N" booleans and empty cells. Each run is
a fresh child process, so that its peak resident memory (getrusage ru_maxrss, after the rows
were generated and before) is its own; the runs of the writers alternate. Then each writer's
last file is read back with openpyxl and compared cell by cell with the rows. A writer whose
package is not installed is skipped with the reason. See bench/README.md.

    .venv/bin/python bench/xlsx_writers.py                    # 20,000 rows x 40 columns, 3 runs
    /tmp/xlsxvenv/bin/python bench/xlsx_writers.py --rows 2000 --runs 1
    .venv/bin/python bench/xlsx_writers.py --writers openpyxl,pyexcelerate --keep /tmp/x
"""

import argparse
import datetime as dt
import importlib.metadata
import importlib.util
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# The AE sheet's mix (exports.crfs adverse_events): identifiers and free text, CTCAE terms,
# dates of onset and resolution, audit timestamps, grades and counts, yes/no answers.
KINDS = ("text",) * 16 + ("date",) * 6 + ("datetime",) * 4 + ("int",) * 7 + ("yn",) * 7
WRITERS = {
    # name: (the module it needs, its distribution on PyPI)
    "openpyxl": ("openpyxl", "openpyxl"),
    "xlsxwriter": ("xlsxwriter", "XlsxWriter"),
    "pyexcelerate": ("pyexcelerate", "PyExcelerate"),
    "rustpy-xlsxwriter": ("rustpy_xlsxwriter", "rustpy-xlsxwriter"),
}
TEXTS = (
    "Nausea",
    "Neutrophil count decreased",
    "Céphalée persistante",
    "Übelkeit, Grad 2",
    "発熱性好中球減少症",
    "Fièvre 🙂 résolue",
    "=1+1",
    '=HYPERLINK("http://example.org","x")',
    "'quoted",
    "'=SUM(A1:A2)",
    "+33 6 12 34 56 78",
    "-2 cycles",
    "@SUM(A1)",
    "a < b & c > d",
    "line one\nline two",
    "  leading spaces",
    "TRUE",
    "0042",
    "1e5",
    "http://example.org/ae/1",
)


def columns(n_cols: int) -> list[str]:
    return [KINDS[i % len(KINDS)] for i in range(n_cols)]


def make_rows(n_rows: int, kinds: list[str], seed: int = 22) -> list[tuple]:
    rng = random.Random(seed)
    start = dt.date(2025, 1, 1)
    # naive UTC, as the export gives them to openpyxl (XlsxSheet converts aware ones itself)
    moment = dt.datetime(2025, 1, 1, 8, tzinfo=dt.UTC).replace(tzinfo=None)

    def cell(kind, row, col):
        if col > 0 and rng.random() < 0.2:
            return None
        if kind == "text":
            if col == 0:
                return f"S-{row % 2200:05d}"
            return TEXTS[rng.randrange(len(TEXTS))] + ("" if rng.random() < 0.5 else f" {row}")
        if kind == "date":
            return start + dt.timedelta(days=rng.randrange(700))
        if kind == "datetime":
            return moment + dt.timedelta(seconds=rng.randrange(60_000_000))
        if kind == "int":
            return rng.randrange(-5, 100_000) if col % 2 else rng.randrange(1, 6)
        return "Y" if rng.random() < 0.3 else "N"

    return [tuple(cell(k, r, c) for c, k in enumerate(kinds)) for r in range(n_rows)]


def header(kinds: list[str]) -> list[str]:
    return [f"{kind.upper()}_{i:02d}" for i, kind in enumerate(kinds)]


# --- the writers: each writes the header row, then the rows, into one sheet "AE" -----------


def openpyxl_row(sheet, values) -> list:
    """Cells for `sheet.append` on a write-only openpyxl sheet, as the export gave them
    until it moved to XlsxWriter: text always a string cell (openpyxl would otherwise store
    text starting with "=" as a formula), everything else as it is."""
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


def write_openpyxl(path, names, kinds, rows):
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("AE")
    sheet.append(openpyxl_row(sheet, names))
    for row in rows:
        sheet.append(openpyxl_row(sheet, row))
    workbook.save(path)


def write_xlsxwriter(path, names, kinds, rows):
    # The export's own writer: every cell by its type through XlsxWriter's explicit
    # write_string / write_number / write_datetime / write_boolean, constant memory.
    from trial.spreadsheet import XlsxWorkbook

    with XlsxWorkbook(path) as workbook:
        sheet = workbook.sheet("AE")
        sheet.append(names)
        for row in rows:
            sheet.append(row)


def write_pyexcelerate(path, names, kinds, rows):
    from pyexcelerate import Format, Style, Workbook
    from pyexcelerate.DataTypes import DataTypes

    workbook = Workbook()
    sheet = workbook.new_sheet("AE", data=[names, *rows])
    # Without a column style a string starting with "=" is written as a formula, and dates
    # given in bulk carry no number format (they would read back as numbers).
    style = {
        "text": lambda: Style(data_type=DataTypes.INLINE_STRING),
        "yn": lambda: Style(data_type=DataTypes.INLINE_STRING),
        "date": lambda: Style(format=Format("yyyy-mm-dd")),
        "datetime": lambda: Style(format=Format("yyyy-mm-dd hh:mm:ss")),
        "int": None,
    }
    for c, kind in enumerate(kinds, 1):
        if style[kind]:
            sheet.set_col_style(c, style[kind]())
    workbook.save(str(path))


def write_rustpy(path, names, kinds, rows):
    from rustpy_xlsxwriter import FastExcel

    # Records are dicts (or DataFrames); every str is written as an inline string, never a
    # formula (formulas only through formula_columns / totals_row).
    FastExcel(str(path)).sheet("AE", (dict(zip(names, row, strict=True)) for row in rows)).save()


WRITE = {
    "openpyxl": write_openpyxl,
    "xlsxwriter": write_xlsxwriter,
    "pyexcelerate": write_pyexcelerate,
    "rustpy-xlsxwriter": write_rustpy,
}


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def child(writer: str, rows: int, cols: int, out: str) -> dict:
    kinds = columns(cols)
    data = make_rows(rows, kinds)
    names = header(kinds)
    baseline = _rss_mb()
    started = time.perf_counter()
    WRITE[writer](Path(out), names, kinds, data)
    return {"seconds": time.perf_counter() - started, "baseline": baseline, "peak": _rss_mb()}


# --- reading back -----------------------------------------------------------------------


def _same(expected, kind, got) -> bool:
    if expected is None:
        return got.value is None
    if got.data_type == "f":
        return False
    if kind in ("text", "yn"):
        return got.data_type == "s" and got.value == expected
    if kind == "int":
        return got.data_type == "n" and not isinstance(got.value, bool) and got.value == expected
    if kind == "date":
        return got.is_date and got.value == dt.datetime.combine(expected, dt.time())
    return got.is_date and got.value == expected


def check(path: Path, names, kinds, rows) -> dict:
    """Every cell against the input: value and type, no formula anywhere, empty stays empty."""
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True)
    sheet = workbook["AE"]
    sheet.reset_dimensions()
    wrong, formulas, examples, count = 0, 0, [], 0
    expected_rows = [tuple(names), *rows]
    expected_kinds = ["text"] * len(kinds)
    for r, got_row in enumerate(sheet.iter_rows()):
        count += 1
        if r >= len(expected_rows):
            wrong += 1
            continue
        got_row = list(got_row)
        expected = expected_rows[r]
        for c, value in enumerate(expected):
            got = got_row[c] if c < len(got_row) else None
            if got is not None and got.data_type == "f":
                formulas += 1
            if got is None:
                ok = value is None
            else:
                ok = _same(value, expected_kinds[c] if r == 0 else kinds[c], got)
            if not ok:
                wrong += 1
                if len(examples) < 3:
                    shown = (got.value, got.data_type) if got is not None else None
                    examples.append(f"row {r + 1} col {c + 1}: {value!r} -> {shown!r}")
        if any(g.value is not None for g in got_row[len(expected) :]):
            wrong += 1
    workbook.close()
    wrong += abs(len(expected_rows) - count) if count < len(expected_rows) else 0
    with zipfile.ZipFile(path) as archive:
        sheet_xml = archive.read(
            next(n for n in archive.namelist() if n.startswith("xl/worksheets/sheet"))
        )
        shared = any(n.endswith("sharedStrings.xml") for n in archive.namelist())
    strings = "shared" if shared and b't="s"' in sheet_xml else "inline"
    return {"wrong": wrong, "formulas": formulas, "examples": examples, "strings": strings}


def _maturity(writer: str) -> str:
    distribution = WRITERS[writer][1]
    meta = importlib.metadata.metadata(distribution)
    licence = meta.get("License-Expression") or meta.get("License") or ""
    if not licence or len(licence) > 40:
        classifiers = [c for c in meta.get_all("Classifier") or [] if c.startswith("License")]
        licence = classifiers[0].split(" :: ")[-1] if classifiers else "?"
    return f"{meta['Version']}, {licence}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--cols", type=int, default=len(KINDS))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--writers", default=",".join(WRITERS))
    parser.add_argument("--keep", help="a folder to keep the files in (default: deleted)")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child[0], args.rows, args.cols, args.child[1])))
        return

    writers = []
    for name in args.writers.split(","):
        if name not in WRITERS:
            raise SystemExit(f"unknown writer {name!r}: one of {', '.join(WRITERS)}")
        if importlib.util.find_spec(WRITERS[name][0]) is None:
            print(f"skipped {name}: {WRITERS[name][1]} is not installed in {sys.prefix}")
        else:
            writers.append(name)
    if "openpyxl" not in writers:
        raise SystemExit("openpyxl is needed: it is the floor and it reads the files back")
    folder = Path(args.keep or tempfile.mkdtemp(prefix="xlsx_writers_"))
    folder.mkdir(parents=True, exist_ok=True)
    print(
        f"{args.rows:,} rows x {args.cols} columns, {args.runs} runs each, Python "
        f"{sys.version.split()[0]} ({sys.prefix})"
    )
    results = {name: [] for name in writers}
    for run in range(args.runs):
        order = writers[run % len(writers) :] + writers[: run % len(writers)]
        for name in order:
            out = folder / f"{name}.xlsx"
            command = [sys.executable, __file__, "--rows", str(args.rows), "--cols",
                       str(args.cols), "--child", name, str(out)]  # fmt: skip
            done = subprocess.run(command, capture_output=True, text=True)
            if done.returncode:
                print(f"{name} run {run + 1} failed:\n{done.stderr.strip()[-2000:]}")
                continue
            figures = json.loads(done.stdout.strip().splitlines()[-1])
            results[name].append(figures)
            print(f"  run {run + 1} {name}: {figures['seconds']:.2f} s")

    kinds = columns(args.cols)
    rows, names = make_rows(args.rows, kinds), header(kinds)
    floor = statistics.median(f["seconds"] for f in results["openpyxl"] or [{"seconds": 0}])
    print()
    print("| writer | version, licence | median (runs) | × openpyxl | peak RSS (baseline) "
          "| file | strings | cells wrong | formulas |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|")
    for name in writers:
        if not results[name]:
            continue
        path = folder / f"{name}.xlsx"
        seconds = [f["seconds"] for f in results[name]]
        median = statistics.median(seconds)
        found = check(path, names, kinds, rows)
        peak = max(f["peak"] for f in results[name])
        baseline = min(f["baseline"] for f in results[name])
        ratio = f"{median / floor:.2f}" if floor else "-"
        spread = ", ".join(f"{s:.2f}" for s in seconds)
        print(f"| {name} | {_maturity(name)} | {median:.2f} s ({spread}) | {ratio} | "
              f"{peak:.0f} MB ({baseline:.0f}) | {path.stat().st_size / 2**20:.1f} MB | "
              f"{found['strings']} | {found['wrong']} | {found['formulas']} |")  # fmt: skip
        for example in found["examples"]:
            print(f"    {name}: {example}")
    if not args.keep:
        for path in folder.glob("*.xlsx"):
            path.unlink()
        folder.rmdir()


if __name__ == "__main__":
    main()
