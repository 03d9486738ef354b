"""Time the reminder scan on the large seed and count its SQL queries.

Usage (from the repository root, on a database holding the large seed):
    .venv/bin/python manage.py seed_large            # once: 2,200 subjects, 32,000 visits
    .venv/bin/python bench/reminder_scan.py [--runs 3] [--at 2027-03-01T09:00]

Each run, inside one transaction that is rolled back (nothing is kept):
- first scan: the scan as the data stands; on a fresh seed every open visit has no stored
  moment yet (Visit.reminder_due_at), so this is the one-off catch-up after a bulk load;
- again: a second scan at the same moment (what a beat every few minutes does: nothing new);
- +1 hour, +1 day: scans later, reading only the visits whose next reminder has come.
Printed per scan: seconds, SQL queries, visits read, records considered, reminders created.
Issue 22's targets: under 0.2 s at 32,000 visits and 0.3 s at 96,000, whatever the trial's size.
"""

import argparse
import os
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from followup import services  # noqa: E402
from trial.models import Subject, Visit  # noqa: E402


def timed_scan(label: str, now: datetime) -> None:
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        result = services.scan(now)
        elapsed = time.perf_counter() - started
    # visits_seen: the stored-moment scan (issue 22); absent before it, to compare.
    seen = f"{len(result.visits_seen):6,}" if hasattr(result, "visits_seen") else "     -"
    print(
        f"  {label:<11} {elapsed:6.3f} s  {len(queries.captured_queries):3} queries  "
        f"{seen} visits read  {result.considered:6,} considered  "
        f"{len(result.created):6,} reminders created"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--at", help="ISO datetime to scan at (default: now)")
    args = parser.parse_args()
    now = (
        datetime.fromisoformat(args.at).replace(tzinfo=timezone.get_current_timezone())
        if args.at
        else timezone.now()
    )
    print(
        f"subjects={Subject.objects.count():,} visits={Visit.objects.count():,} "
        f"at={timezone.localtime(now):%Y-%m-%d %H:%M %Z}"
    )
    for run in range(1, args.runs + 1):
        print(f"run {run}:")
        with transaction.atomic():
            timed_scan("first scan", now)
            timed_scan("again", now)
            timed_scan("+1 hour", now + timedelta(hours=1))
            timed_scan("+1 day", now + timedelta(days=1))
            transaction.set_rollback(True)


if __name__ == "__main__":
    main()
