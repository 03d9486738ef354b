"""Export benchmark on the large seed: time and peak memory of each format, the AE CSV
(COPY and Python paths) against a plain PostgreSQL COPY of the same rows, and the ODM
export's memory at two scales.

Prints figures; asserts nothing. Each measurement runs in a fresh child process so that its
peak resident memory (getrusage ru_maxrss) is its own. See bench/README.md.

    DATABASE_URL=postgresql://... .venv/bin/python bench/export_bench.py
    .venv/bin/python bench/export_bench.py --formats csv,odm --tracemalloc
    .venv/bin/python bench/export_bench.py --ae-only --runs 5
"""

import argparse
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
    return {
        "seconds": elapsed,
        "peak_rss_mb": _peak_rss_mb(),
        "baseline_rss_mb": baseline,
        "tracemalloc_peak_mb": traced,
        "file_mb": size / 2**20,
        "rows": run.row_counts,
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


def _run_child(*args) -> dict:
    output = subprocess.run(
        [sys.executable, __file__, "--child", *args],
        cwd=ROOT,
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


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--formats", default=",".join(FORMATS))
    parser.add_argument("--tracemalloc", action="store_true", help="also trace Python heap peaks")
    parser.add_argument("--runs", type=int, default=5, help="runs of the AE CSV comparison")
    parser.add_argument("--ae-only", action="store_true", help="only the AE CSV comparison")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        kind, *rest = options.child
        if kind == "export":
            fmt, sites, trace = rest[0], [s for s in rest[1].split(",") if s], rest[2] == "1"
            print(json.dumps(child_export(fmt, sites, trace)))
        else:
            print(json.dumps(child_ae_vs_copy(int(rest[0]))))
        return

    counts, one_site = _scale()
    print("Large seed:", ", ".join(f"{k} {v}" for k, v in counts.items()))
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
