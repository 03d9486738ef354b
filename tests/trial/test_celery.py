"""A real Celery worker (Redis when REDIS_URL is set, else the filesystem broker) runs tasks."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

from trial.models import Heartbeat
from trial.tasks import record_heartbeat

ROOT = Path(__file__).resolve().parents[2]


def _test_database_url() -> str:
    params = connection.get_connection_params()
    host = params.get("host") or ""
    port = params.get("port") or ""
    user = quote(params.get("user") or "postgres")
    password = f":{quote(params['password'])}" if params.get("password") else ""
    dbname = params["dbname"]
    if host.startswith("/"):
        return f"postgresql://{user}{password}@/{dbname}?host={quote(host, safe='/')}"
    return f"postgresql://{user}{password}@{host}{':' + str(port) if port else ''}/{dbname}"


@pytest.fixture
def worker_queue(transactional_db):
    """A worker consuming a queue of its own, writing to the test database."""
    connection.ensure_connection()
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = os.environ | {"DATABASE_URL": _test_database_url()}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "-Q",
            queue,
            "--concurrency",
            "1",
            "--pool",
            "solo",
            "--loglevel",
            "WARNING",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    yield queue, proc
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


def test_worker_runs_a_task_that_writes_to_the_database(worker_queue):
    queue, proc = worker_queue
    marker = queue
    record_heartbeat.apply_async(args=(marker,), queue=queue)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if Heartbeat.objects.filter(process=marker).exists():
            break
        assert proc.poll() is None, proc.stdout.read()
        time.sleep(0.5)
    assert Heartbeat.objects.filter(process=marker).exists(), "worker did not run the task"
