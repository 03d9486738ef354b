"""A real Celery worker runs an export against the test database (own snapshot transaction,
progress on a second connection), like tests/trial/test_celery.py does for the heartbeat."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from exports import services
from exports.models import ExportRun, ExportStatus
from exports.storage import export_storage
from exports.tasks import run_export
from tests.conftest import database_env_of_tests
from trial.models import Membership, Role, User
from trial.study_config import load_study, read_config

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def worker_queue(transactional_db):
    """A worker consuming a queue of its own, writing to the test database."""
    connection.ensure_connection()
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = os.environ | database_env_of_tests()
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", queue,
         "--concurrency", "1", "--pool", "solo", "--loglevel", "WARNING"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )  # fmt: skip
    yield queue, proc
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


def test_worker_produces_a_queued_export(worker_queue, monkeypatch):
    queue, proc = worker_queue
    # Never the default queue: another developer's worker could pick the message up.
    monkeypatch.setattr(
        run_export, "delay", lambda run_id: run_export.apply_async(args=(run_id,), queue=queue)
    )
    load_study(read_config(settings.STUDY_CONFIG_FILE))
    manager = User.objects.create_user(username="dm_worker")
    Membership.objects.create(user=manager, site=None, role=Role.DATA_MANAGER)
    run = services.export_request(by=manager, format="odm", channel="task")
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        run.refresh_from_db()
        if run.finished:
            break
        assert proc.poll() is None, proc.stdout.read()
        time.sleep(0.5)
    assert run.status == ExportStatus.DONE, run.error or "the worker did not finish the export"
    try:
        with services.export_open(run) as handle:
            assert handle.read().startswith(b"<?xml")
        assert ExportRun.objects.get(pk=run.pk).requested_by == manager
    finally:
        export_storage().delete(run.file_path)
