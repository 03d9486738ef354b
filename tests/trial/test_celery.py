"""A real Celery worker (Redis when REDIS_URL is set, else the filesystem broker) runs tasks."""

import time

from trial.models import Heartbeat
from trial.tasks import record_heartbeat


def wait_for(condition, proc, seconds=90):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        assert proc.poll() is None, proc.stdout.read()
        time.sleep(0.5)
    return condition()


def test_worker_runs_a_task_that_writes_to_the_database(live_worker):
    record_heartbeat.delay("test-marker")
    assert wait_for(lambda: Heartbeat.objects.filter(process="test-marker").exists(), live_worker)
