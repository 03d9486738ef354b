"""Lab results on the large seed: enter and grade N results through the real service, beside
a bulk insert of the same rows (the floor), then the shift table's queries and time against the
number of subjects it reads (issue 18, "Benchmark").

Usage (from the repository root, on a database of its own holding the large seed):
    .venv/bin/python manage.py seed_large            # once: 2,000 enrolled, 32,000 visits
    .venv/bin/python bench/lab_results.py            # 100,000 results
    .venv/bin/python bench/lab_results.py --results 2000 --batch 200   # a quick one
    .venv/bin/python bench/lab_results.py --shift-only                 # the shift table only

Entry: each result goes through labs.services.lab_result_record (permission, row lock, unit
standardised, the site range in force picked, graded against the subject's baseline, audited,
edit-checked, one transaction each), by the site's seeded coordinator, at a performed visit of
an enrolled subject, dated on the visit's day. The (subject, visit, test) slots are drawn at
random from all of them and entered in the order of their dates, as sites enter them. Values
are mostly within the range, some far outside it, a fifth in another accepted unit (g/dL,
mg/dL, /mm3), so every grade and the unit conversion are exercised. The results stay in the
database (a second run adds N more on the remaining slots).
Sites without lab ranges first get the demo seed's (demo.seed.LAB_RANGES) through
labs.services.normal_range_record.

Floor: the same rows (values and derived fields as the service stored them) inserted with
LabResult.objects.bulk_create in batches, in a transaction rolled back; the database's audit
triggers still fire, so the gap is the service's own work (locks, reads of the range and the
baseline, the audit context, the edit checks, one commit per result).

Shift table: shift_table(shift_rows(lab_results_for(user))), what the safety dashboard builds,
for the first 5, 50, 500 and all dosed subjects with results (and by one site's coordinator),
queries counted and medians of --runs; the target is the same number of queries at every size.
Prints figures; asserts nothing.
"""

import argparse
import contextlib
import os
import random
import statistics
import sys
import time
from collections import Counter
from datetime import date
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.db.models import F  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from demo.seed import LAB_RANGES, lab_ranges_record  # noqa: E402
from labs import grading, ranges, units  # noqa: E402
from labs.models import LabNormalRange, LabResult  # noqa: E402
from labs.selectors import lab_results_for, shift_rows  # noqa: E402
from labs.services import _as_rule_range, lab_result_record  # noqa: E402
from labs.shift import shift_table  # noqa: E402
from trial.models import Site, Subject, User, Visit  # noqa: E402

MARKER_USERNAME = "seed_large"  # demo.management.commands.seed_large
RANGES_FROM = date(2000, 1, 1)  # before any seeded visit
TESTS = tuple(dict.fromkeys(test for test, *_ in LAB_RANGES))
DECREASED = {"NEUT", "PLAT", "WBC", "HGB"}  # graded below the LLN; the others above the ULN
# Another accepted unit: entered value = standard value x factor.
OTHER_UNITS = {
    "HGB": ("g/dL", Decimal("0.1")),
    "NEUT": ("/mm3", Decimal(1000)),
    "PLAT": ("/mm3", Decimal(1000)),
    "CREAT": ("mg/dL", Decimal(1) / Decimal("88.4")),
    "BILI": ("mg/dL", Decimal(1) / Decimal("17.1")),
    "ALT": ("IU/L", Decimal(1)),
}
SUBSET_SIZES = (5, 50, 500)
QUERIES_COUNTED = 20  # per batch: capturing slows the queries a little


def _add_ranges(now) -> int:
    """The demo seed's laboratory ranges (demo.seed.LAB_RANGES) at each site without any."""
    added = 0
    for site in Site.objects.order_by("code"):
        by = _coordinator(site)
        if by is None or LabNormalRange.objects.filter(site=site).exists():
            continue
        lab_ranges_record(
            site=site,
            by=by,
            laboratory=f"{site.code} bench laboratory",
            effective_from=RANGES_FROM,
            now=now,
        )
        added += 1
    return added


_COORDINATORS: dict[int, User | None] = {}


def _coordinator(site: Site) -> User | None:
    if site.pk not in _COORDINATORS:
        _COORDINATORS[site.pk] = User.objects.filter(username=f"seed_crc_{site.code}").first()
    return _COORDINATORS[site.pk]


def _value(rng: random.Random, test: str, sex: str) -> tuple[Decimal, str]:
    """A value and its unit: 75% within the range, the rest beyond a limit by a random
    multiple, so that every grade turns up; a fifth in another unit."""
    _t, unit, low, high, _s = next(
        r for r in LAB_RANGES if r[0] == test and r[4] in ("", "F" if sex == "F" else "M")
    )
    low, high = float(low), float(high)
    draw = rng.random()
    if draw < 0.75:
        value = rng.uniform(low, high)
    elif test in DECREASED:
        value = low * rng.uniform(0.05, 1.0)
    else:
        value = high * rng.uniform(1.0, 25.0)
    value = Decimal(str(round(value, 2)))
    if test in OTHER_UNITS and rng.random() < 0.2:
        unit, factor = OTHER_UNITS[test]
        value = (value * factor).quantize(Decimal("0.0001"))
    return value, unit


def _slots(results: int, rng: random.Random) -> list[tuple[Visit, str]]:
    """`results` (visit, test) slots of enrolled subjects' performed visits without a result
    of that test yet, drawn at random, in the order of their dates."""
    taken = set(LabResult.objects.values_list("visit_id", "test"))
    visits = list(
        Visit.objects.filter(
            completed_on__isnull=False,
            subject__voided_at__isnull=True,
            subject__subject_number__isnull=False,
        )
        .select_related("subject", "subject__site")
        .order_by("pk")
    )
    free = [(v, t) for v in visits for t in TESTS if (v.pk, t) not in taken]
    if len(free) < results:
        print(f"only {len(free):,} free (visit, test) slots: entering {len(free):,}")
        results = len(free)
    chosen = rng.sample(free, results)
    chosen.sort(key=lambda s: (s[0].completed_on, s[0].subject_id, s[0].order, s[1]))
    return chosen


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def enter(results: int, batch: int, seed: int, stop_after: float | None) -> list[int]:
    rng = random.Random(seed)
    now = timezone.now()
    started = time.perf_counter()
    added = _add_ranges(now)
    if added:
        print(f"lab ranges added at {added} sites in {time.perf_counter() - started:.1f} s")
    slots = _slots(results, rng)
    if not slots:
        return []
    stored_before = LabResult.objects.count()
    print(
        f"entering {len(slots):,} results on {len({v.subject_id for v, _t in slots}):,} "
        f"subjects, {len({v.pk for v, _t in slots}):,} visits "
        f"({stored_before:,} results stored before), batches of {batch:,}"
    )
    batch_ms: list[float] = []  # ms per result, per batch
    batch_queries: list[list[int]] = []  # queries of the first results of each batch
    created: list[int] = []
    total_started = time.perf_counter()
    for first in range(0, len(slots), batch):
        chunk = slots[first : first + batch]
        values = [
            {
                "test": test,
                "collected_on": visit.completed_on,
                "collected_time": None,
                **dict(zip(("value", "unit"), _value(rng, test, visit.subject.sex), strict=True)),
            }
            for visit, test in chunk
        ]
        counted = []
        chunk_started = time.perf_counter()
        for index, ((visit, _test), entered) in enumerate(zip(chunk, values, strict=True)):
            by = _coordinator(visit.subject.site)
            if index < QUERIES_COUNTED:
                connection.queries_log.clear()  # CaptureQueriesContext reads a bounded log
                with CaptureQueriesContext(connection) as queries:
                    record = lab_result_record(visit=visit, by=by, values=entered, now=now)
                counted.append(len(queries.captured_queries))
            else:
                record = lab_result_record(visit=visit, by=by, values=entered, now=now)
            created.append(record.pk)
        batch_ms.append((time.perf_counter() - chunk_started) * 1000 / len(chunk))
        batch_queries.append(counted)
        done = first + len(chunk)
        over = stop_after is not None and time.perf_counter() - total_started > stop_after
        if len(batch_ms) == 1 or done == len(slots) or len(batch_ms) % 10 == 0 or over:
            print(
                f"  {done:>8,} results  {time.perf_counter() - total_started:7.1f} s  "
                f"this batch {batch_ms[-1]:.2f} ms/result, "
                f"{statistics.median(counted):g} queries/result",
                flush=True,
            )
        if over:
            print(f"  stopped after {stop_after:g} s (--stop-after): {done:,} of {len(slots):,}")
            break
    total = time.perf_counter() - total_started
    tenth = max(1, len(batch_ms) // 10)
    print(
        f"\nservice (labs.services.lab_result_record), {len(created):,} results:\n"
        f"  total {total:.1f} s, {len(created) / total:,.0f} results/s, "
        f"{total * 1000 / len(created):.2f} ms/result\n"
        f"  ms/result per batch of {batch:,}: median {statistics.median(batch_ms):.2f}, "
        f"p95 {_percentile(batch_ms, 0.95):.2f}; first batch {batch_ms[0]:.2f}, "
        f"last {batch_ms[-1]:.2f}; first tenth of the batches "
        f"{statistics.median(batch_ms[:tenth]):.2f}, last tenth "
        f"{statistics.median(batch_ms[-tenth:]):.2f} (medians)\n"
        f"  queries per result ({QUERIES_COUNTED} first of each batch): median "
        f"{statistics.median(q for c in batch_queries for q in c):g}, max "
        f"{max(q for c in batch_queries for q in c)}; first batch "
        f"{statistics.median(batch_queries[0]):g}, last {statistics.median(batch_queries[-1]):g}"
    )
    rules(created)
    floor(created, batch, total * 1000 / len(created))
    grades(created)
    return created


def _entered(created: list[int]):
    """The results this run entered: ids in order, nothing else writes to a bench database
    (an IN list of 100,000 ids would be a query of its own to measure)."""
    return LabResult.objects.filter(pk__range=(created[0], created[-1]))


def rules(created: list[int]) -> None:
    """The pure rules alone on the same rows (labs.units, labs.ranges, labs.grading), ranges
    and baselines read beforehand: what the service computes, without the database."""
    rows = list(_entered(created).select_related("subject"))
    site_ranges: dict[tuple[int, str], list] = {}
    for row in LabNormalRange.objects.all():
        site_ranges.setdefault((row.site_id, row.test), []).append(_as_rule_range(row))
    baselines = {
        (r.subject_id, r.test): r.standard_value
        for r in LabResult.objects.filter(
            subject__first_dose_on__isnull=False, collected_on__lte=F("subject__first_dose_on")
        ).order_by("collected_on", "pk")
    }
    started = time.perf_counter()
    for row in rows:
        subject = row.subject
        standard = units.standardise(test=row.test, value=row.value, unit=row.unit)
        chosen = ranges.select_range(
            site_ranges.get((subject.site_id, row.test), []),
            test=row.test,
            on=row.collected_on,
            sex=subject.sex,
            age=ranges.age_on(birth_date=subject.date_of_birth, on=row.collected_on),
        )
        if chosen is None:
            continue
        low = (
            None
            if chosen.low is None
            else units.standardise(test=row.test, value=chosen.low, unit=chosen.unit).exact
        )
        high = (
            None
            if chosen.high is None
            else units.standardise(test=row.test, value=chosen.high, unit=chosen.unit).exact
        )
        grading.range_indicator(value=standard.exact, lln=low, uln=high)
        with contextlib.suppress(ValueError):  # a range without the limit graded against
            grading.grade_lab(
                test=row.test,
                value=standard.exact,
                lln=low,
                uln=high,
                baseline=baselines.get((row.subject_id, row.test)),
            )
    elapsed = time.perf_counter() - started
    print(
        f"pure rules alone (standardise, select_range, grade_lab; no database), same rows:\n"
        f"  total {elapsed:.2f} s, {elapsed * 1000 / len(rows):.3f} ms/result"
    )


def floor(created: list[int], batch: int, service_ms: float) -> None:
    """The same rows bulk-inserted without the service, rolled back."""
    fields = [
        f.attname
        for f in LabResult._meta.concrete_fields
        if not f.primary_key and f.attname not in ("recorded_at", "updated_at")
    ]
    rows = [LabResult(**values) for values in _entered(created).order_by("pk").values(*fields)]
    with transaction.atomic():
        started = time.perf_counter()
        LabResult.objects.bulk_create(rows, batch_size=batch)
        elapsed = time.perf_counter() - started
        transaction.set_rollback(True)
    print(
        f"floor (bulk_create of the same {len(rows):,} rows, audit triggers on, rolled back):\n"
        f"  total {elapsed:.1f} s, {len(rows) / elapsed:,.0f} results/s, "
        f"{elapsed * 1000 / len(rows):.3f} ms/result; the service takes "
        f"{service_ms / (elapsed * 1000 / len(rows)):,.0f}x as long per result"
    )


def grades(created: list[int]) -> None:
    rows = _entered(created)
    by_grade = Counter(rows.values_list("grade", flat=True))
    by_indicator = Counter(rows.values_list("range_indicator", flat=True))
    units = rows.exclude(unit=F("standard_unit")).count()
    print(
        "grades: "
        + ", ".join(
            f"{'none' if g is None else g}: {n:,}"
            for g, n in sorted(by_grade.items(), key=lambda i: (i[0] is None, i[0] or 0))
        )
        + "\nrange indicator: "
        + ", ".join(f"{i or '-'}: {n:,}" for i, n in sorted(by_indicator.items()))
        + f"\nentered in another unit than the standard one: {units:,}"
    )


def _timed(build, runs: int) -> tuple[int, float, int]:
    """Queries, median ms and subject-test pairs of building the shift table `runs` times."""
    seconds = []
    for run in range(runs):
        connection.queries_log.clear()
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            table = build()
            seconds.append(time.perf_counter() - started)
        if run == 0:
            counted = len(queries.captured_queries)
    return counted, statistics.median(seconds) * 1000, sum(t.subjects for t in table)


def shift(runs: int) -> None:
    reader = User.objects.get(username=MARKER_USERNAME)  # data manager of every site
    dosed = list(
        Subject.objects.filter(
            first_dose_on__isnull=False, voided_at__isnull=True, lab_results__isnull=False
        )
        .distinct()
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    print(
        f"\nshift table, shift_table(shift_rows(lab_results_for(user))), medians of {runs} "
        f"(target: the same number of queries at every size); "
        f"{LabResult.objects.count():,} results stored:"
    )
    print(f"  {'subjects':>9} {'queries':>8} {'ms':>9} {'subject-test pairs':>19}")
    sizes = [n for n in SUBSET_SIZES if n < len(dosed)] + [len(dosed)]
    counts = []
    for size in sizes:
        subset = None if size == len(dosed) else dosed[:size]

        def build(subset=subset):
            results = lab_results_for(reader)
            if subset is not None:
                results = results.filter(subject_id__in=subset)
            return shift_table(shift_rows(results))

        queries, ms, pairs = _timed(build, runs)
        counts.append(queries)
        label = f"{size:,}" + (" (all)" if size == len(dosed) else "")
        print(f"  {label:>9} {queries:>8} {ms:>9.1f} {pairs:>19,}")
    site = Site.objects.filter(subjects__pk__in=dosed[:1]).first()
    coordinator = _coordinator(site) if site else None
    if coordinator is not None:
        queries, ms, pairs = _timed(
            lambda: shift_table(shift_rows(lab_results_for(coordinator))), runs
        )
        print(f"  one site's coordinator ({site.code}): {queries} queries, {ms:.1f} ms, "
              f"{pairs:,} pairs")  # fmt: skip
        counts.append(queries)
    verdict = "flat" if len(set(counts)) == 1 else f"GROWS: {counts}"
    print(f"  query count against the number of subjects: {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--results", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=1000, help="results per timed batch")
    parser.add_argument("--runs", type=int, default=5, help="runs of each shift table size")
    parser.add_argument("--seed", type=int, default=18, help="random seed (repeatable)")
    parser.add_argument(
        "--stop-after", type=float, help="stop entering after this many seconds (a batch ends)"
    )
    parser.add_argument("--shift-only", action="store_true", help="only the shift table")
    options = parser.parse_args()
    if not User.objects.filter(username=MARKER_USERNAME).exists():
        raise SystemExit("No large seed here: run `manage.py seed_large` first (bench/README.md).")
    print(
        f"sites {Site.objects.count()}, subjects {Subject.objects.count():,} "
        f"(enrolled {Subject.objects.filter(subject_number__isnull=False).count():,}), "
        f"visits {Visit.objects.count():,} (performed "
        f"{Visit.objects.filter(completed_on__isnull=False).count():,})"
    )
    if not options.shift_only:
        enter(options.results, options.batch, options.seed, options.stop_after)
    shift(options.runs)


if __name__ == "__main__":
    main()
