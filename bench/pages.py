"""Server time, SQL queries and size of the main pages, per role, at one or two seed sizes.

Usage (from the repository root, on a database of its own holding `manage.py seed_large`):
    .venv/bin/python bench/pages.py [--runs 10]              # the database as it is
    .venv/bin/python bench/pages.py --grow 2000              # then seed 2,000 more, again

One request at a time through Django's test client (the whole middleware, session, template;
no network, no gunicorn), the median of --runs after one warm-up request. With --grow N the
script measures, adds a batch with `seed_large --force --subjects N`, runs ANALYZE, and
measures the same pages for the same users and the same subject again, so both columns come
from one run on the same machine: on a shared machine compare ratios, not milliseconds.

Printed beside each page: the issue-22 targets (at the larger size: <= 3x the trivial
authenticated page of the same run and <= 50 ms; at most 200 KiB; the larger size within
1.2x of the smaller). Nothing is asserted; figures go in docs/performance.md.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("ECRF_IDLE_TIMEOUT_MINUTES", "600")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

from trial.models import Membership, Role, Site, Subject, User, Visit  # noqa: E402

TRIVIAL = ("notifications", "coordinator")
MAX_MS, MAX_RATIO, MAX_KIB, MAX_GROWTH = 50, 3.0, 200, 1.2


def pages(subject: Subject) -> list[tuple[str, str, str]]:
    """(page, role, url): the main pages each role opens."""
    detail = reverse("subject_detail", args=[subject.pk])
    audit = reverse("subject_audit", args=[subject.pk])
    return [
        ("notifications", "coordinator", reverse("notifications")),
        ("notifications", "investigator", reverse("notifications")),
        ("home", "coordinator", reverse("home")),
        ("home", "monitor", reverse("home")),
        ("my tasks", "investigator", reverse("my_tasks")),
        ("worklist", "coordinator", reverse("worklist")),
        ("subject page", "coordinator", detail),
        ("subject page", "investigator", detail),
        ("subject page", "monitor", detail),
        ("subject audit", "monitor", audit),
        ("review queue", "investigator", reverse("review_queue")),
        ("subject list", "coordinator", reverse("subject_list")),
        ("subject list", "monitor", reverse("subject_list")),
        ("subject matrix", "monitor", reverse("subject_matrix")),
        ("AE list", "monitor", reverse("ae_list")),
        ("SAE list", "monitor", reverse("sae_list")),
        ("queries", "monitor", reverse("query_list")),
        ("screening log", "monitor", reverse("screening_log")),
        ("oncology dashboard", "monitor", reverse("dashboard_oncology")),
        ("exports", "data manager", reverse("export_page")),
    ]


def users() -> dict[str, User]:
    """One user per role: the seed's coordinator and investigator of its first site, a
    monitor and a data manager of all sites (created once, never able to sign in)."""
    site = Site.objects.filter(code__in=_seeded_site_codes()).order_by("code").first()
    found = {
        "coordinator": User.objects.get(username=f"seed_crc_{site.code}"),
        "investigator": User.objects.get(username=f"seed_pi_{site.code}"),
    }
    for role, name in ((Role.MONITOR, "monitor"), (Role.DATA_MANAGER, "data manager")):
        user, created = User.objects.get_or_create(username=f"bench_{role}")
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        Membership.objects.get_or_create(user=user, site=None, role=role)
        found[name] = user
    return found


def _seeded_site_codes() -> list[str]:
    return [
        u.removeprefix("seed_crc_")
        for u in User.objects.filter(username__startswith="seed_crc_").values_list(
            "username", flat=True
        )
    ]


def measure(clients: dict[str, Client], subject: Subject, runs: int) -> dict:
    results = {}
    for page, role, url in pages(subject):
        client = clients[role]
        response = client.get(url)  # warm-up (and the status check)
        if response.status_code != 200:
            results[(page, role)] = {"error": response.status_code}
            continue
        times = []
        for _ in range(runs):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = client.get(url)
                times.append((time.perf_counter() - started) * 1000)
        results[(page, role)] = {
            "queries": len(queries.captured_queries),
            "ms": statistics.median(times),
            "kib": len(response.content) / 1024,
        }
    return results


def sizes() -> str:
    return f"{Subject.objects.count():,} subjects, {Visit.objects.count():,} visits"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--grow", type=int, default=0, help="seed_large --force --subjects N")
    args = parser.parse_args()
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    if not User.objects.filter(username="seed_large").exists():
        sys.exit("No large seed in this database: run manage.py seed_large first.")
    people = users()
    clients = {}
    for role, user in people.items():
        clients[role] = Client()
        clients[role].force_login(user)
    coordinator_site = Membership.objects.get(user=people["coordinator"]).site
    subject = (
        Subject.objects.filter(site=coordinator_site, subject_number__isnull=False)
        .order_by("pk")
        .first()
    )
    columns = [(sizes(), measure(clients, subject, args.runs))]
    if args.grow:
        call_command("seed_large", force=True, subjects=args.grow, verbosity=0)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        columns.append((sizes(), measure(clients, subject, args.runs)))
    report(columns, subject)


def report(columns, subject) -> None:
    print(f"subject page: {subject}; medians of the runs; server time through the test client")
    for n, (label, _) in enumerate(columns, 1):
        print(f"  [{n}] {label}")
    last = columns[-1][1]
    floor = last[TRIVIAL]["ms"]
    head = f"{'page':<20}{'role':<14}"
    for n in range(1, len(columns) + 1):
        head += f"{f'q[{n}]':>6}{f'ms[{n}]':>9}{f'KiB[{n}]':>9}"
    head += f"{'x trivial':>10}" + (f"{'growth':>8}" if len(columns) > 1 else "") + "  targets"
    print(head)
    for key in last:
        line = f"{key[0]:<20}{key[1]:<14}"
        for _, results in columns:
            r = results[key]
            if "error" in r:
                line += f"{'HTTP ' + str(r['error']):>24}"
            else:
                line += f"{r['queries']:>6}{r['ms']:>9.1f}{r['kib']:>9.0f}"
        r = last[key]
        if "error" in r:
            print(line)
            continue
        ratio = r["ms"] / floor
        missed = []
        if r["ms"] > MAX_MS:
            missed.append(f">{MAX_MS} ms")
        if ratio > MAX_RATIO:
            missed.append(f">{MAX_RATIO:g}x")
        if r["kib"] > MAX_KIB:
            missed.append(f">{MAX_KIB} KiB")
        line += f"{ratio:>10.1f}"
        if len(columns) > 1 and "error" not in columns[0][1][key]:
            growth = r["ms"] / columns[0][1][key]["ms"]
            line += f"{growth:>8.2f}"
            if growth > MAX_GROWTH:
                missed.append(f"growth>{MAX_GROWTH:g}")
        print(line + "  " + (", ".join(missed) or "met"))
    print(
        f"targets at the last size: <= {MAX_MS} ms, <= {MAX_RATIO:g}x the trivial page "
        f"({TRIVIAL[0]}, {TRIVIAL[1]}: {floor:.1f} ms), <= {MAX_KIB} KiB, growth <= {MAX_GROWTH:g}x"
    )


if __name__ == "__main__":
    main()
