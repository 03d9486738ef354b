"""Load benchmark: gunicorn on this machine, locust driving 20 coordinators for 2 minutes,
and the bare view in the same run as the ceiling. Prints throughput and p50/p95/p99 per page.

    .venv/bin/python bench/load_test.py [--users 20] [--minutes 2] [--seed-subjects 2000]
        [--workers 3] [--worker-class sync|gthread] [--threads 4] [--investigators 2]

Uses DATABASE_URL (a real PostgreSQL; the embedded one works too). Seeds the large data set
with `manage.py seed_large` when the database has no seed yet. Targets (issue 10): p95 under
150 ms on the subject page and the AE list, zero errors, subject page within 3x of the bare
view. Record the figures in docs/performance.md with the machine and the date.
With --investigators N, N seeded investigators browse beside the coordinators (issue 22:
the coordinators' p95 within 1.5x of theirs alone); --worker-class and --threads choose
gunicorn's worker (sync, or gthread with that many threads per worker).
"""

import argparse
import csv
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable


def manage(*args, **kwargs):
    return subprocess.run([PY, "manage.py", *args], cwd=ROOT, check=True, **kwargs)


def shell(code: str, env: dict) -> str:
    """What `manage.py shell -c code` prints, stripped."""
    done = subprocess.run(
        [PY, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--minutes", type=float, default=2)
    parser.add_argument("--seed-subjects", type=int, default=2000)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--worker-class", choices=["sync", "gthread"], default="sync")
    parser.add_argument("--threads", type=int, default=4, help="per gthread worker")
    parser.add_argument("--investigators", type=int, default=0)
    args = parser.parse_args()
    env = os.environ | {
        "ECRF_IDLE_TIMEOUT_MINUTES": "60",
        "AXES_FAILURE_LIMIT": "1000",
        "AXES_ADDRESS_FAILURE_LIMIT": "1000",  # settings refuse a username limit above it
    }
    manage("migrate", "--noinput", "-v0", env=env)
    manage("load_study", env=env)
    seeded = shell(
        "from trial.models import User; print(User.objects.filter(username='seed_large').exists())",
        env,
    ).endswith("True")
    if not seeded:
        manage("seed_large", "--subjects", str(args.seed_subjects), env=env)
    password = "bench-load-2026"

    def seeded_users(prefix: str) -> str:
        """The seeded users whose name starts with `prefix`, given the bench password."""
        return shell(
            "from trial.models import User\n"
            f"us = list(User.objects.filter(username__startswith='{prefix}'))\n"
            f"[u.set_password('{password}') or u.save() for u in us]\n"
            "print(','.join(u.username for u in us))",
            env,
        ).splitlines()[-1]

    users = seeded_users("seed_crc_")
    investigators = seeded_users("seed_pi_") if args.investigators else ""
    worker = ["--worker-class", args.worker_class]
    if args.worker_class == "gthread":
        worker += ["--threads", str(args.threads)]
    server = subprocess.Popen(
        [
            PY,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{args.port}",
            "--workers",
            str(args.workers),
            *worker,
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        for _ in range(60):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{args.port}/healthz", timeout=2)
                break
            except OSError:
                time.sleep(1)
        out = Path(tempfile.mkdtemp()) / "locust"
        subprocess.run(
            [
                PY,
                "-m",
                "locust",
                "-f",
                str(ROOT / "bench" / "load" / "locustfile.py"),
                "--headless",
                "-u",
                # The coordinators plus the BareView users and the investigators (their
                # fixed_count in the locustfile).
                str(args.users + 2 + args.investigators),
                "-r",
                str(max(1, args.users // 4)),
                "-t",
                f"{int(args.minutes * 60)}s",
                "--host",
                f"http://127.0.0.1:{args.port}",
                "--csv",
                str(out),
                "--only-summary",
                "Coordinator",
                "BareView",
                *(["Investigator"] if args.investigators else []),
            ],
            cwd=ROOT,
            env=env
            | {
                "BENCH_USERS": users,
                "BENCH_PASSWORD": password,
                "BENCH_INVESTIGATOR_USERS": investigators,
                "BENCH_INVESTIGATORS": str(args.investigators),
            },
            check=False,
        )
        with open(f"{out}_stats.csv") as fh:
            rows = list(csv.DictReader(fh))
        print(
            f"\ngunicorn: {args.workers} {args.worker_class} workers"
            + (f" x {args.threads} threads" if args.worker_class == "gthread" else "")
            + f"; {args.users} coordinators, {args.investigators} investigators"
        )
        print(
            f"{'page':<34}{'requests':>9}{'failures':>9}{'req/s':>8}{'p50':>7}{'p95':>7}"
            f"{'p99':>7}  (ms)"
        )
        for row in rows:
            print(
                f"{row['Name']:<34}{row['Request Count']:>9}{row['Failure Count']:>9}"
                f"{float(row['Requests/s']):>8.1f}{row['50%']:>7}{row['95%']:>7}{row['99%']:>7}"
            )
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
