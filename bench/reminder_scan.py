"""Time one full reminder scan on the large seed and count its SQL queries.

Usage (from the repository root, on a database holding the large seed):
    .venv/bin/python manage.py seed_large            # once: 2,000 subjects, ~40,000 visits
    .venv/bin/python bench/reminder_scan.py [--runs 3] [--at 2027-03-01T09:00]

Prints seconds and the number of queries per scan; the target is under 2 s with a query count
that does not depend on the number of subjects. Nothing is written (plan only) unless
--write is given, in which case reminders are created as the real scan does.
"""

import argparse
import os
import sys
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, reset_queries  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from followup import services  # noqa: E402
from trial.models import Subject, Visit  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--at", help="ISO datetime to scan at (default: now)")
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    now = (
        datetime.fromisoformat(args.at).replace(tzinfo=timezone.get_current_timezone())
        if args.at
        else timezone.now()
    )
    print(
        f"subjects={Subject.objects.count()} visits={Visit.objects.count()} at={now:%Y-%m-%d %H:%M}"
    )
    for run in range(1, args.runs + 1):
        reset_queries()
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            result = services.scan(now) if args.write else services.plan(now)
            elapsed = time.perf_counter() - started
        print(
            f"run {run}: {elapsed:.3f} s, {len(queries.captured_queries)} queries, "
            f"{result.considered} records considered, {len(result.planned)} reminders due"
        )


if __name__ == "__main__":
    main()
