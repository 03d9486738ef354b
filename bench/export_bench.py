"""Export benchmark on the large seed: time and peak memory of each format, the AE CSV
(COPY and Python paths) against a plain PostgreSQL COPY of the same rows, and the ODM
export's memory at two scales.

Prints figures; asserts nothing. Each measurement runs in a fresh child process so that its
peak resident memory (getrusage ru_maxrss) is its own. See bench/README.md.

    DATABASE_URL=postgresql://... .venv/bin/python bench/export_bench.py
    .venv/bin/python bench/export_bench.py --formats csv,odm --tracemalloc
    .venv/bin/python bench/export_bench.py --ae-only --runs 5
    .venv/bin/python bench/export_bench.py --odm-only --runs 3 --keep /tmp/odm_before.xml
    .venv/bin/python bench/export_bench.py --xlsx-only --runs 3 --before /tmp/xlsx_before
"""

import argparse
import cProfile
import hashlib
import itertools
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FORMATS = ("csv", "xlsx", "odm", "sdtm", "audit")


def _django():
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def child_export(fmt: str, sites: list[str], trace: bool) -> dict:
    """One export through the real services (recorded as an ExportRun, channel command)."""
    _django()
    from exports import services
    from exports.storage import export_storage

    baseline = _peak_rss_mb()
    run = services.export_request(by=None, format=fmt, sites=sites, channel="command")
    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    run = services.export_run(run_id=run.pk)
    elapsed = time.perf_counter() - started
    traced = tracemalloc.get_traced_memory()[1] / 2**20 if trace else None
    if run.status != "done":
        raise SystemExit(f"export {run.pk} failed: {run.error}")
    size = run.file_size
    export_storage().delete(run.file_path)  # keep the exports storage small; the run stays
    return _figures(elapsed, baseline, traced, size, rows=run.row_counts)


def _figures(seconds: float, baseline: float, traced: float | None, size: int, **more) -> dict:
    return {
        "seconds": seconds,
        "peak_rss_mb": _peak_rss_mb(),
        "baseline_rss_mb": baseline,
        "tracemalloc_peak_mb": traced,
        "file_mb": size / 2**20,
        **more,
    }


def child_ae_vs_copy(runs: int) -> dict:
    """The AE CSV both ways the export can write it (exports.tabular.write_crf_csv: COPY,
    and row by row in Python) against the floor, a plain COPY of the same SELECT (raw
    values, no formatting), `runs` times each in turn; the medians."""
    _django()
    from django.db import connection, transaction

    from exports.crfs import crf_specs
    from exports.selectors import ExportScope, subjects_in
    from exports.tabular import write_crf_csv
    from trial.models import Site

    scope = ExportScope(tuple(Site.objects.values_list("code", flat=True)))
    crf = next(c for c in crf_specs() if c.name == "adverse_events")
    subjects = subjects_in(scope)

    def floor(path):
        sql, params = crf.queryset(subjects).values_list(*crf.db_paths).query.sql_with_params()
        query = connection.ops.compose_sql(sql, params)
        statement = f"COPY ({query}) TO STDOUT WITH (FORMAT csv, HEADER)"
        with (
            connection.cursor() as cursor,
            open(path, "wb") as handle,
            cursor.cursor.copy(statement) as copy,
        ):
            for block in copy:
                handle.write(block)

    def export(path, copy):
        with open(path, "wb") as handle:
            return write_crf_csv(handle, crf, subjects, lambda n: None, copy=copy)

    ways = {
        "floor": floor,
        "copy": lambda path: export(path, True),
        "python": lambda path: export(path, False),
    }
    seconds = {way: [] for way in ways}
    results = {}
    with tempfile.TemporaryDirectory() as workdir, transaction.atomic():
        for run in range(runs):
            order = list(ways)[run % 3 :] + list(ways)[: run % 3]  # no way always first
            for way in order:
                path = Path(workdir) / f"{way}.csv"
                started = time.perf_counter()
                rows = ways[way](path)
                seconds[way].append(time.perf_counter() - started)
                if way == "python":
                    results["rows"] = rows
                results[f"{way}_mb"] = path.stat().st_size / 2**20
        same = (Path(workdir) / "copy.csv").read_bytes() == (
            Path(workdir) / "python.csv"
        ).read_bytes()
    results["copy_equals_python"] = same
    for way, times in seconds.items():
        results[f"{way}_seconds"] = statistics.median(times)
        results[f"{way}_range"] = [min(times), max(times)]
    results["copy_ratio"] = results["copy_seconds"] / results["floor_seconds"]
    results["python_ratio"] = results["python_seconds"] / results["floor_seconds"]
    results["ratios"] = {
        way: sorted(t / f for t, f in zip(seconds[way], seconds["floor"], strict=True))
        for way in ("copy", "python")
    }
    return results


def child_odm_fixed(keep: str, trace: bool, profile: str) -> dict:
    """The ODM writer alone (exports.odm.write_odm) on every site, with the inputs that
    differ between runs fixed (snapshot time, file OID, description, CreationDateTime), so
    that the sha256 of two runs, or of two versions of the writer, on the same database
    compare the bytes written. In one REPEATABLE READ transaction, as the export does."""
    _django()
    from datetime import UTC, datetime
    from unittest import mock

    from django.db import connection, transaction

    from exports import odm
    from exports.crfs import crf_specs
    from exports.selectors import ExportScope, subjects_in
    from trial.models import Site
    from trial.study import current_study

    fixed = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    baseline = _peak_rss_mb()
    with tempfile.TemporaryDirectory() as workdir, transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        scope = ExportScope(tuple(Site.objects.order_by("code").values_list("code", flat=True)))
        study = current_study()
        labs = study.lab_limits.order_by("order").values_list("code", "label")
        path = Path(keep) if keep else Path(workdir) / "odm.xml"
        profiler = cProfile.Profile() if profile else None
        if trace:
            tracemalloc.start()
        started = time.perf_counter()
        if profiler:
            profiler.enable()
        with mock.patch("django.utils.timezone.now", return_value=fixed):
            counts = odm.write_odm(
                path,
                study=study,
                subjects=subjects_in(scope),
                sites=Site.objects.filter(code__in=scope.site_codes).order_by("code"),
                crfs=crf_specs(labs),
                file_oid="ECRF.BENCH",
                as_of=fixed,
                description="bench",
                tick=lambda n: None,
            )
        if profiler:
            profiler.disable()
            profiler.dump_stats(profile)
        elapsed = time.perf_counter() - started
        traced = tracemalloc.get_traced_memory()[1] / 2**20 if trace else None
        digest, elements = hashlib.sha256(), 0
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
                elements += block.count(b"<") - block.count(b"</") - block.count(b"<?")
        size = path.stat().st_size
    return _figures(
        elapsed, baseline, traced, size, sha256=digest.hexdigest(), elements=elements, counts=counts
    )


def child_odm_read() -> dict:
    """The other floor: reading the event rows the writer reads (the same querysets and
    chunks, exports.odm's streams), doing nothing with them."""
    _django()
    from django.db import transaction

    from exports import odm
    from exports.crfs import crf_specs
    from exports.selectors import ExportScope, subjects_in
    from trial.models import Site
    from trial.study import current_study

    with transaction.atomic():
        subjects = subjects_in(ExportScope(tuple(Site.objects.values_list("code", flat=True))))
        labs = current_study().lab_limits.order_by("order").values_list("code", "label")
        crfs = {c.name: c for c in crf_specs(labs)}
        started, rows = time.perf_counter(), 0
        for form in odm.odm_forms(crfs) + odm._child_groups(crfs):
            stream = odm._event_stream(form.crf.model, form.subject_lookup, subjects)
            rows += sum(1 for _row in stream.iterator(500))
    return {"seconds": time.perf_counter() - started, "rows": rows}


def child_xml_floor(elements: int, file_mb: float) -> dict:
    """The floor: lxml alone writing `elements` elements of about the file's size through
    etree.xmlfile, one subtree of 60 elements at a time, as the writer does per subject."""
    from lxml import etree

    ns = "{http://www.cdisc.org/ns/odm/v1.3}"
    per_element = int(file_mb * 2**20 / max(elements, 1))
    text = "x" * max(per_element - 60, 1)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as workdir:
        path = Path(workdir) / "floor.xml"
        with etree.xmlfile(str(path), encoding="utf-8") as xf, xf.element(f"{ns}ODM"):
            written = 0
            while written < elements:
                root = etree.Element(f"{ns}SubjectData", {"SubjectKey": str(written)})
                for i in range(59):
                    etree.SubElement(root, f"{ns}ItemData", {"ItemOID": f"IT.{i}", "Value": text})
                xf.write(root)
                written += 60
        size = path.stat().st_size
    return {"seconds": time.perf_counter() - started, "file_mb": size / 2**20}


def _xlsx_cells() -> list[tuple[str, list | None, list[list]]]:
    """The XLSX export's sheets for every site, as `exports.tabular.write_xlsx` reads and
    formats them (`xlsx_sheets`), held in memory: (name, header, rows)."""
    from exports.crfs import crf_specs
    from exports.selectors import ExportScope, subjects_in
    from exports.tabular import xlsx_sheets
    from trial.models import Site
    from trial.study import current_study

    subjects = subjects_in(ExportScope(tuple(Site.objects.values_list("code", flat=True))))
    labs = current_study().lab_limits.order_by("order").values_list("code", "label")
    manifest = {"export_id": 0, "format": "xlsx", "filters": {}}
    return [
        (name, header, [list(row) for row in rows])
        for name, _crf, header, rows in xlsx_sheets(list(crf_specs(labs)), subjects, manifest)
    ]


def _naive_utc(rows: list[list]) -> list[list]:
    from datetime import UTC, datetime

    return [
        [
            v.astimezone(UTC).replace(tzinfo=None)
            if isinstance(v, datetime) and v.tzinfo is not None
            else v
            for v in row
        ]
        for row in rows
    ]


def _write_openpyxl_floor(path: Path, sheets) -> None:
    """openpyxl write-only, text typed as string cells (bench/xlsx_writers.py): the export's
    writer until 2026-12-04, given cells that need nothing more (datetimes naive UTC)."""
    from openpyxl import Workbook
    from xlsx_writers import openpyxl_row

    workbook = Workbook(write_only=True)
    for name, header, rows in sheets:
        sheet = workbook.create_sheet(name)
        if header is not None:
            sheet.append(openpyxl_row(sheet, header))
        for row in rows:
            sheet.append(openpyxl_row(sheet, row))
    workbook.save(path)


def _write_xlsxwriter(path: Path, sheets) -> None:
    """The export's writer alone (trial.spreadsheet.XlsxWorkbook), on the cells as the
    export gives them (aware datetimes: it converts them itself)."""
    from trial.spreadsheet import XlsxWorkbook

    with XlsxWorkbook(path) as workbook:
        for name, header, rows in sheets:
            sheet = workbook.sheet(name)
            if header is not None:
                sheet.append(header)
            for row in rows:
                sheet.append(row)


def child_xlsx_cells(first: str, keep: str) -> dict:
    """The floor: the export's cells read into memory (timed: the fetch), then written by
    openpyxl write-only and by the export's XlsxWriter writer alone, `first` first. With
    `keep`, both files stay in that folder (for `child_xlsx_compare`)."""
    _django()
    from django.db import connection, transaction

    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        started = time.perf_counter()
        sheets = _xlsx_cells()
        fetch = time.perf_counter() - started
    floor_sheets = [(name, header, _naive_utc(rows)) for name, header, rows in sheets]
    baseline = _peak_rss_mb()
    writers = {
        "openpyxl": lambda path: _write_openpyxl_floor(path, floor_sheets),
        "xlsxwriter": lambda path: _write_xlsxwriter(path, sheets),
    }
    seconds, sizes = {}, {}
    with tempfile.TemporaryDirectory() as workdir:
        folder = Path(keep or workdir)
        for name in sorted(writers, key=lambda n: n != first):
            path = folder / f"{name}.xlsx"
            started = time.perf_counter()
            writers[name](path)
            seconds[name] = time.perf_counter() - started
            sizes[name] = path.stat().st_size / 2**20
    return {
        "fetch": fetch,
        "seconds": seconds,
        "file_mb": sizes,
        "cells": sum(len(row) for _n, _h, rows in sheets for row in rows),
        "rows": sum(len(rows) for _n, _h, rows in sheets),
        "baseline_rss_mb": baseline,
        "peak_rss_mb": _peak_rss_mb(),
    }


def child_xlsx_compare(folder: str) -> dict:
    """Both files of `child_xlsx_cells` read back with openpyxl, cell by cell: the same
    sheets in the same order, each cell's value, type and whether it is a date; text as
    Excel reads it (openpyxl leaves Excel's _xHHHH_ escapes of control characters)."""
    from openpyxl import load_workbook
    from openpyxl.utils.escape import unescape

    def cell(c):
        value = unescape(c.value) if isinstance(c.value, str) else c.value
        return value, "n" if c.value is None else c.data_type, c.is_date

    books = [load_workbook(Path(folder) / f"{n}.xlsx", read_only=True) for n in WAYS_COMPARED]
    names = [book.sheetnames for book in books]
    different, cells, examples = 0, 0, []
    for name in names[0]:
        left, right = (book[name].iter_rows() for book in books)
        for number, (a, b) in enumerate(itertools.zip_longest(left, right, fillvalue=()), 1):
            a, b = [cell(c) for c in a], [cell(c) for c in b]
            width = max(len(a), len(b))
            empty = (None, "n", False)
            a, b = a + [empty] * (width - len(a)), b + [empty] * (width - len(b))
            cells += width
            for column, (x, y) in enumerate(zip(a, b, strict=True), 1):
                if x != y:
                    different += 1
                    if len(examples) < 5:
                        examples.append(f"{name} row {number} column {column}: {x!r} / {y!r}")
    for book in books:
        book.close()
    return {
        "same_sheets": names[0] == names[1],
        "cells": cells,
        "different": different,
        "examples": examples,
    }


WAYS_COMPARED = ("openpyxl", "xlsxwriter")


def xlsx_against_floor(options) -> None:
    """The XLSX export end to end (through the services, all sites) against the openpyxl
    write-only floor of the same cells, `--runs` times each, alternated; with `--before`,
    also the export of another checkout (the code before). Then the floor's two files
    compared cell by cell."""
    ways = ["cells", "after"] + (["before"] if options.before else [])
    print(
        f"XLSX export, all sites, {options.runs} runs each, alternated (target: the export "
        "<= 0.5x the openpyxl write-only floor of the same cells):"
    )
    results = {way: [] for way in ways}
    for run in range(options.runs):
        for way in ways[run % len(ways) :] + ways[: run % len(ways)]:
            if way == "cells":
                first = WAYS_COMPARED[run % 2]
                result = _run_child("xlsx-cells", first, "")
                shown = (
                    f"fetch {result['fetch']:.2f} s, openpyxl {result['seconds']['openpyxl']:.2f}"
                    f" s, XlsxWriter alone {result['seconds']['xlsxwriter']:.2f} s ({first} "
                    f"first), {result['rows']} rows, {result['cells']} cells, peak RSS "
                    f"{result['peak_rss_mb']:.0f} MB"
                )
            else:
                root = options.before if way == "before" else ROOT
                result = _run_child("export", "xlsx", "", "0", root=root)
                shown = (
                    f"{result['seconds']:.2f} s, peak RSS {result['peak_rss_mb']:.0f} MB "
                    f"(baseline {result['baseline_rss_mb']:.0f}), {result['file_mb']:.1f} MB"
                )
            results[way].append(result)
            print(f"  run {run + 1} {way}: {shown}", flush=True)

    def median(values):
        return statistics.median(values)

    floor = median(r["seconds"]["openpyxl"] for r in results["cells"])
    fetch = median(r["fetch"] for r in results["cells"])
    alone = median(r["seconds"]["xlsxwriter"] for r in results["cells"])
    print("\n| measured | median | × openpyxl floor | × floor + fetch |\n|---|---|---|---|")
    rows = [
        ("openpyxl write-only, the same cells (floor)", floor),
        ("fetching the cells", fetch),
        ("XlsxWriter writer alone, the same cells", alone),
        (
            "XLSX export after (XlsxWriter), end to end",
            median(r["seconds"] for r in results["after"]),
        ),
    ]
    if options.before:
        before = median(r["seconds"] for r in results["before"])
        rows.append(("XLSX export before (openpyxl), end to end", before))
    for label, seconds in rows:
        ratios = f"{seconds / floor:.2f} | {seconds / (floor + fetch):.2f}"
        print(f"| {label} | {seconds:.2f} s | {ratios} |")
    with tempfile.TemporaryDirectory() as folder:
        _run_child("xlsx-cells", "openpyxl", folder)
        found = _run_child("xlsx-compare", folder)
    print(
        f"\nThe floor's file and the XlsxWriter writer's, read back with openpyxl: same sheets "
        f"{found['same_sheets']}, {found['cells']} cells, {found['different']} different"
    )
    for example in found["examples"]:
        print(f"  {example}")


def _run_child(*args, root: Path = ROOT) -> dict:
    """A child of this script, or with `root` of the same script in another checkout (the
    code before a change: its own child, its own modules)."""
    output = subprocess.run(
        [sys.executable, Path(root) / "bench" / "export_bench.py", "--child", *args],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    if output.returncode != 0:
        raise SystemExit(f"child {args} failed:\n{output.stdout}\n{output.stderr}")
    return json.loads(output.stdout.strip().splitlines()[-1])


def _scale() -> tuple[dict, list[str]]:
    _django()
    from adverse_events.models import AdverseEvent
    from trial.models import Site, Subject, User, Visit

    if not User.objects.filter(username="seed_large").exists():
        raise SystemExit("No large seed here: run `manage.py seed_large` first (bench/README.md).")
    counts = {
        "sites": Site.objects.count(),
        "subjects": Subject.objects.count(),
        "visits": Visit.objects.count(),
        "adverse_events": AdverseEvent.objects.count(),
    }
    busiest = (
        Site.objects.order_by("code").values_list("code", flat=True).first()
    )  # one site: about a tenth of the subjects
    return counts, [busiest]


def odm_fixed(options) -> None:
    """The ODM writer `--runs` times (a fresh process each, the first kept with --keep and
    profiled with --profile), its heap peak once with --tracemalloc, and two floors: lxml
    alone writing as many elements, and reading the event rows alone."""
    print(f"ODM writer, all sites, fixed inputs, {options.runs} runs (target: <= 10 s):")
    results = []
    for run in range(options.runs):
        keep = options.keep if run == 0 else ""
        profile = options.profile if run == 0 else ""
        result = _run_child("odm-fixed", keep, "0", profile)
        results.append(result)
        print(
            f"  run {run + 1}: {result['seconds']:.2f} s, peak RSS {result['peak_rss_mb']:.1f} MB "
            f"(baseline {result['baseline_rss_mb']:.1f}), {result['file_mb']:.1f} MB, "
            f"{result['elements']} elements, sha256 {result['sha256']}"
        )
    seconds = [r["seconds"] for r in results]
    print(f"  median {statistics.median(seconds):.2f} s ({min(seconds):.2f}-{max(seconds):.2f})")
    print(f"  same sha256 every run: {len({r['sha256'] for r in results}) == 1}")
    if options.tracemalloc:
        heap = _run_child("odm-fixed", "", "1", "")["tracemalloc_peak_mb"]
        print(f"  Python heap peak {heap:.1f} MB (tracemalloc, a run of its own)")
    last = results[-1]
    floor = _run_child("xml-floor", str(last["elements"]), str(last["file_mb"]))
    ratio = statistics.median(seconds) / floor["seconds"]
    print(
        f"  floor (lxml alone, {last['elements']} elements, {floor['file_mb']:.1f} MB): "
        f"{floor['seconds']:.2f} s; writer / floor {ratio:.2f}"
    )
    read = _run_child("odm-read")
    print(f"  reading the {read['rows']} event rows alone: {read['seconds']:.2f} s")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--formats", default=",".join(FORMATS))
    parser.add_argument("--tracemalloc", action="store_true", help="also trace Python heap peaks")
    parser.add_argument("--runs", type=int, default=5, help="runs of the AE CSV comparison")
    parser.add_argument("--ae-only", action="store_true", help="only the AE CSV comparison")
    parser.add_argument(
        "--odm-only", action="store_true", help="only the ODM writer: time, memory, sha256"
    )
    parser.add_argument("--keep", default="", help="with --odm-only: keep the file here")
    parser.add_argument("--profile", default="", help="with --odm-only: cProfile stats file")
    parser.add_argument(
        "--xlsx-only", action="store_true", help="only the XLSX export against its floor"
    )
    parser.add_argument(
        "--before", default="", help="with --xlsx-only: a checkout whose export to run too"
    )
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        kind, *rest = options.child
        if kind == "export":
            fmt, sites, trace = rest[0], [s for s in rest[1].split(",") if s], rest[2] == "1"
            print(json.dumps(child_export(fmt, sites, trace)))
        elif kind == "odm-fixed":
            print(json.dumps(child_odm_fixed(rest[0], rest[1] == "1", rest[2])))
        elif kind == "odm-read":
            print(json.dumps(child_odm_read()))
        elif kind == "xml-floor":
            print(json.dumps(child_xml_floor(int(rest[0]), float(rest[1]))))
        elif kind == "xlsx-cells":
            print(json.dumps(child_xlsx_cells(rest[0], rest[1])))
        elif kind == "xlsx-compare":
            print(json.dumps(child_xlsx_compare(rest[0])))
        else:
            print(json.dumps(child_ae_vs_copy(int(rest[0]))))
        return

    counts, one_site = _scale()
    print("Large seed:", ", ".join(f"{k} {v}" for k, v in counts.items()))
    if options.odm_only:
        odm_fixed(options)
        return
    if options.xlsx_only:
        xlsx_against_floor(options)
        return
    print(f"{'format':<8}{'seconds':>9}{'peak RSS MB':>13}{'(baseline)':>12}"
          f"{'heap peak MB':>14}{'file MB':>9}  rows")  # fmt: skip
    for fmt in [] if options.ae_only else options.formats.split(","):
        result = _run_child("export", fmt, "", "0")
        heap = "-"
        if options.tracemalloc:
            heap = f"{_run_child('export', fmt, '', '1')['tracemalloc_peak_mb']:.1f}"
        rows = sum(result["rows"].values()) if fmt != "audit" else result["rows"]["rows"]
        print(
            f"{fmt:<8}{result['seconds']:>9.2f}{result['peak_rss_mb']:>13.1f}"
            f"{result['baseline_rss_mb']:>12.1f}{heap:>14}{result['file_mb']:>9.1f}  {rows}"
        )

    ae = _run_child("ae-copy", str(options.runs))
    print(
        f"\nAE CSV, {ae['rows']} rows, medians of {options.runs} runs (target: COPY path "
        f"within 1.5x of the floor; bytes of both paths equal: {ae['copy_equals_python']}):"
    )
    for way, label in (
        ("floor", "plain COPY (floor)"),
        ("copy", "COPY path"),
        ("python", "Python path"),
    ):
        low, high = ae[f"{way}_range"]
        ratio = ""
        if way != "floor":
            low_ratio, high_ratio = ae["ratios"][way][0], ae["ratios"][way][-1]
            ratio = f"  {ae[f'{way}_ratio']:.2f}x floor (runs {low_ratio:.2f}-{high_ratio:.2f}x)"
        print(
            f"  {label:<19}{ae[f'{way}_seconds']:>7.3f} s ({low:.3f}-{high:.3f}) "
            f"{ae[f'{way}_mb']:>5.1f} MB{ratio}"
        )

    if options.ae_only:
        return
    print("\nODM peak memory against the number of subjects (target: independent of it):")
    for label, sites in (("one site", one_site), ("all sites", [])):
        result = _run_child("export", "odm", ",".join(sites), "1" if options.tracemalloc else "0")
        heap = result["tracemalloc_peak_mb"]
        shown = f", heap peak {heap:.1f} MB" if heap is not None else ""
        print(
            f"  {label:<10} subjects {result['rows']['subjects']:>5}: "
            f"{result['seconds']:.2f} s, peak RSS {result['peak_rss_mb']:.1f} MB{shown}"
        )


if __name__ == "__main__":
    main()
