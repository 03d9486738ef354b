"""Load benchmark: gunicorn on this machine, locust driving 20 coordinators for 2 minutes,
and the bare view in the same run as the ceiling. Prints throughput and p50/p95/p99 per page.

    .venv/bin/python bench/load_test.py [--users 20] [--minutes 2] [--seed-subjects 2000]

Uses DATABASE_URL (a real PostgreSQL; the embedded one works too). Seeds the large data set
with `manage.py seed_large` when the database has no seed yet. Targets (issue 10): p95 under
150 ms on the subject page and the AE list, zero errors, subject page within 3x of the bare
view. Record the figures in docs/performance.md with the machine and the date.
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--minutes", type=float, default=2)
    parser.add_argument("--seed-subjects", type=int, default=2000)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    env = os.environ | {"ECRF_IDLE_TIMEOUT_MINUTES": "60", "AXES_FAILURE_LIMIT": "1000"}
    manage("migrate", "--noinput", "-v0", env=env)
    manage("load_study", env=env)
    seeded = (
        subprocess.run(
            [
                PY,
                "manage.py",
                "shell",
                "-c",
                (
                    "from trial.models import User; "
                    "print(User.objects.filter(username='seed_large').exists())"
                ),
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        .stdout.strip()
        .endswith("True")
    )
    if not seeded:
        manage("seed_large", "--subjects", str(args.seed_subjects), env=env)
    password = "bench-load-2026"
    users = (
        subprocess.run(
            [
                PY,
                "manage.py",
                "shell",
                "-c",
                "from trial.models import User\n"
                "us = list(User.objects.filter(username__startswith='seed_crc_'))\n"
                f"[u.set_password('{password}') or u.save() for u in us]\n"
                "print(','.join(u.username for u in us))",
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
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
                # The coordinators plus the BareView users (fixed_count in the locustfile).
                str(args.users + 2),
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
            ],
            cwd=ROOT,
            env=env | {"BENCH_USERS": users, "BENCH_PASSWORD": password},
            check=False,
        )
        with open(f"{out}_stats.csv") as fh:
            rows = list(csv.DictReader(fh))
        print(
            f"\n{'page':<24}{'requests':>9}{'failures':>9}{'req/s':>8}{'p50':>7}{'p95':>7}"
            f"{'p99':>7}  (ms)"
        )
        for row in rows:
            print(
                f"{row['Name']:<24}{row['Request Count']:>9}{row['Failure Count']:>9}"
                f"{float(row['Requests/s']):>8.1f}{row['50%']:>7}{row['95%']:>7}{row['99%']:>7}"
            )
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
