"""Load against one and against two gunicorn nodes, and the database connections each shape
holds, with and without the connection pool (issue 20).

    .venv/bin/python bench/nodes.py [--users 40] [--seconds 60] [--workers 3]

Uses DATABASE_URL (a database of its own: it seeds `seed_large --subjects 200 --sites 4` when
the database has no seed) and runs, each for --seconds with --users coordinators (locust):

1. one node, no pool (persistent connections, CONN_MAX_AGE 60);
2. one node, pool (DATABASE_POOL_MAX_SIZE 4);
3. two nodes, pool, every request to the next node (round robin, no sticky sessions).

Prints requests/s, p50/p95 and failures of each, the ratio two nodes / one node, and the
peak and mean number of the database's client connections, sampled every 0.5 s from
pg_stat_activity (this script's own sampling connection left out). On this machine every
node, PostgreSQL and locust share the same 2 cores: a second node adds processes, not CPUs,
so the ratio shows the cost of the shape (sessions and files through the database), not the
gain of a second machine. Floor: zero failures in each run; two nodes at least 0.8x one.
"""

import argparse
import csv
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
PASSWORD = "bench-load-2026"
sys.path.insert(0, str(ROOT))


def manage(*args, env, capture=False) -> str:
    result = subprocess.run(
        [PY, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=capture, text=True
    )
    return (result.stdout or "").strip()


def prepare(env) -> str:
    manage("migrate", "--noinput", "-v0", env=env)
    code = (
        "from trial.models import User\nprint(User.objects.filter(username='seed_large').exists())"
    )
    if not manage("shell", "-c", code, env=env, capture=True).endswith("True"):
        manage("seed_large", "--subjects", "200", "--sites", "4", env=env)
    code = (
        "from trial.models import User\n"
        "us = list(User.objects.filter(username__startswith='seed_crc_'))\n"
        f"[u.set_password('{PASSWORD}') or u.save() for u in us]\n"
        "print(','.join(u.username for u in us))"
    )
    return manage("shell", "-c", code, env=env, capture=True).splitlines()[-1]


class ConnectionSampler(threading.Thread):
    def __init__(self, url: str):
        super().__init__(daemon=True)
        import psycopg

        self.conn = psycopg.connect(url, autocommit=True)
        self.samples: list[int] = []
        self.stopping = threading.Event()

    def run(self):
        while not self.stopping.is_set():
            row = self.conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
            ).fetchone()
            self.samples.append(row[0])
            time.sleep(0.5)

    def stop(self) -> tuple[int, float]:
        self.stopping.set()
        self.join(timeout=5)
        self.conn.close()
        return max(self.samples or [0]), statistics.fmean(self.samples or [0])


def gunicorn(port: int, workers: int, threads: int, env: dict, var: Path) -> subprocess.Popen:
    var.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(
        [PY, "-m", "gunicorn", "config.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", str(workers), "--threads", str(threads), "--log-level", "warning"],
        cwd=ROOT,
        env=env | {"ECRF_VAR_DIR": str(var)},
    )  # fmt: skip


def wait_up(port: int) -> None:
    for _ in range(120):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
            return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"gunicorn on {port} did not start")


def run(label, *, nodes, pool, args, env, users, base_port, scratch) -> dict:
    node_env = env | {"DATABASE_POOL_MAX_SIZE": "4" if pool else "0"}
    ports = [base_port + 10 * i for i in range(nodes)]
    servers = [
        gunicorn(
            p, args.workers, args.threads, node_env, scratch / f"{label}-{p}".replace(" ", "_")
        )
        for p in ports
    ]
    try:
        for port in ports:
            wait_up(port)
        sampler = ConnectionSampler(env["DATABASE_URL"])
        sampler.start()
        out = scratch / label.replace(" ", "_")
        hosts = ",".join(f"http://127.0.0.1:{p}" for p in ports)
        subprocess.run(
            [PY, "-m", "locust", "-f", str(ROOT / "bench" / "load" / "two_nodes_locustfile.py"),
             "--headless", "-u", str(args.users), "-r", str(max(1, args.users // 4)),
             "-t", f"{args.seconds}s", "--host", f"http://127.0.0.1:{ports[0]}",
             "--csv", str(out), "--only-summary", "Coordinator"],
            cwd=ROOT,
            env=env | {"BENCH_USERS": users, "BENCH_PASSWORD": PASSWORD, "BENCH_HOSTS": hosts},
            check=False,
            capture_output=True,
        )  # fmt: skip
        peak, mean = sampler.stop()
        with open(f"{out}_stats.csv") as fh:
            total = next(r for r in csv.DictReader(fh) if r["Name"] == "Aggregated")
        return {
            "label": label,
            "rps": float(total["Requests/s"]),
            "requests": int(total["Request Count"]),
            "failures": int(total["Failure Count"]),
            "p50": total["50%"],
            "p95": total["95%"],
            "peak": peak,
            "mean": mean,
        }
    finally:
        for server in servers:
            server.send_signal(signal.SIGTERM)
        for server in servers:
            server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=40)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--workers", type=int, default=3)
    # Above 1, gunicorn's threaded worker (gthread): each thread has its own connection
    # without a pool, the threads of a process share the pool's with one.
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--one-node-only", action="store_true", help="skip the two-node run")
    parser.add_argument("--port", type=int, default=8124)
    args = parser.parse_args()
    env = os.environ | {
        "ECRF_IDLE_TIMEOUT_MINUTES": "60",
        "AXES_FAILURE_LIMIT": "1000",
        "AXES_ADDRESS_FAILURE_LIMIT": "1000",
        "EXPORT_STORAGE": "database",
    }
    if not env.get("DATABASE_URL"):
        raise SystemExit("set DATABASE_URL: the connection count needs a real server")
    users = prepare(env)
    scratch = Path(tempfile.mkdtemp(prefix="bench-nodes-"))
    shapes = [("one node, no pool", 1, False), ("one node, pool", 1, True),
              ("two nodes, pool", 2, True)][: 2 if args.one_node_only else 3]  # fmt: skip
    results = [
        run(label, nodes=n, pool=pool, args=args, env=env, users=users,
            base_port=args.port + 20 * i, scratch=scratch)
        for i, (label, n, pool) in enumerate(shapes)
    ]  # fmt: skip
    load = os.getloadavg()
    print(f"\n{args.users} users, {args.seconds} s each, gunicorn {args.workers} workers x "
          f"{args.threads} threads per node; load average at the end {load[0]:.1f} "
          "(2 cores, shared)")  # fmt: skip
    print(f"{'shape':<20}{'req/s':>7}{'requests':>9}{'fail':>5}{'p50':>6}{'p95':>6}"
          f"{'conn peak':>10}{'conn mean':>10}")  # fmt: skip
    for r in results:
        print(f"{r['label']:<20}{r['rps']:>7.1f}{r['requests']:>9}{r['failures']:>5}"
              f"{r['p50']:>6}{r['p95']:>6}{r['peak']:>10}{r['mean']:>10.1f}")  # fmt: skip
    if len(results) == 3:
        ratio = results[2]["rps"] / results[1]["rps"] if results[1]["rps"] else 0
        print(f"two nodes / one node (both pooled): {ratio:.2f}x (floor 0.8x)")
    failures = sum(r["failures"] for r in results)
    print(f"failures: {failures} (floor 0)")


if __name__ == "__main__":
    main()
