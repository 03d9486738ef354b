"""Two nodes on one machine: two gunicorn web processes and two Celery workers, each with its
own var/, one PostgreSQL (the test database, as the application's role, pooled) and one
Redis. Real processes, real HTTP, nothing shared but the database and the broker.

- an export requested through node A is run by worker B and downloaded through node B;
- a reminder scan run by both workers at once sends each reminder once;
- a session opened on node A works on node B.

Needs Redis (REDIS_URL), as in CI: the filesystem broker is a folder of one machine.
"""

import hashlib
import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest
from django.contrib.auth.hashers import make_password
from django.urls import reverse

from config.celery import app as celery_app
from exports.models import ExportChannel, ExportRun, ExportStatus
from followup.models import Reminder
from tests.conftest import application_database_url, database_url_of_tests
from tests.exports.factories import PASSWORD, build_dataset
from trial.models import User

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(
    not os.environ.get("REDIS_URL"), reason="two nodes need a shared broker: set REDIS_URL"
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Node:
    """One machine's processes: a web server or a worker, with its own var/."""

    def __init__(self, name: str, var: Path, env: dict, command: list[str]):
        var.mkdir(parents=True)
        self.name, self.var = name, var
        self.log = open(var / "process.log", "w+")  # noqa: SIM115 (closed in stop)
        self.proc = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env | {"ECRF_VAR_DIR": str(var), "EMAIL_FILE_PATH": str(var / "mail")},
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def output(self, tail: int | None = 4000) -> str:
        """The process's log: its last `tail` characters (for a failure's message), or all."""
        self.log.flush()
        self.log.seek(0)
        text = self.log.read()
        return text if tail is None else text[-tail:]

    def alive(self) -> None:
        assert self.proc.poll() is None, f"{self.name} stopped:\n{self.output()}"

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


def _wait(condition, nodes, seconds=90, what="the condition"):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        for node in nodes:
            node.alive()
        time.sleep(0.3)
    logs = "\n".join(f"--- {n.name}\n{n.output()}" for n in nodes)
    raise AssertionError(f"timed out waiting for {what}\n{logs}")


@pytest.fixture
def cluster(transactional_db, application_role, tmp_path, settings):
    # The nodes check passwords with the product's hashers, not the tests' fast one.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    data = build_dataset()
    User.objects.filter(username="dm").update(password=make_password(PASSWORD))
    User.objects.update(email="someone@example.org")  # so reminders go out as mail too
    run_id = uuid.uuid4().hex[:8]
    queue_a, queue_b = f"node-a-{run_id}", f"node-b-{run_id}"
    common = os.environ | {
        "DATABASE_URL": application_database_url(application_role),
        "DATABASE_OWNER_URL": database_url_of_tests(),
        "DATABASE_POOL_MAX_SIZE": "2",
        "EXPORT_STORAGE": "database",
        "EXPORT_STREAM_MAX_SUBJECTS": "0",  # every export goes to a worker
        "SECRET_KEY": f"two-nodes-{run_id}-" * 3,
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "ECRF_IDLE_TIMEOUT_MINUTES": "60",
    }
    web_port_a, web_port_b = _free_port(), _free_port()

    def web(name, port, queue):
        # A web node sends its tasks to `queue`: node A's go to worker B.
        return Node(
            name,
            tmp_path / name,
            common | {"CELERY_TASK_DEFAULT_QUEUE": queue},
            [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind",
             f"127.0.0.1:{port}", "--workers", "1", "--timeout", "120"],
        )  # fmt: skip

    def worker(name, queue):
        return Node(
            name,
            tmp_path / name,
            common | {"CELERY_TASK_DEFAULT_QUEUE": queue},
            [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", queue, "-n",
             f"{name}-{run_id}@%h", "--pool", "solo", "--loglevel", "INFO"],
        )  # fmt: skip

    nodes = {
        "web_a": web("web_a", web_port_a, queue_b),
        "web_b": web("web_b", web_port_b, queue_b),
        "worker_a": worker("worker_a", queue_a),
        "worker_b": worker("worker_b", queue_b),
    }
    urls = {"a": f"http://127.0.0.1:{web_port_a}", "b": f"http://127.0.0.1:{web_port_b}"}
    try:
        for key in ("a", "b"):
            _wait(lambda key=key: _up(urls[key]), nodes.values(), what=f"web {key}")
        _wait(
            lambda: _workers_ready(celery_app, [f"worker_a-{run_id}", f"worker_b-{run_id}"]),
            nodes.values(),
            what="both workers",
        )
        yield {"data": data, "nodes": nodes, "urls": urls, "queues": (queue_a, queue_b)}
    finally:
        for node in nodes.values():
            node.stop()


def _up(url: str) -> bool:
    try:
        return urllib.request.urlopen(f"{url}/healthz", timeout=2).status == 200
    except OSError:
        return False


def _workers_ready(app, names) -> bool:
    replies = app.control.inspect(timeout=1).ping() or {}
    return all(any(host.startswith(name) for host in replies) for name in names)


class Browser:
    """One browser: one cookie jar, whichever node it talks to."""

    def __init__(self):
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, url: str):
        return self.opener.open(url, timeout=60)

    def post(self, url: str, fields: dict):
        page = self.get(url).read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        body = urllib.parse.urlencode({**fields, "csrfmiddlewaretoken": token}, doseq=True)
        request = urllib.request.Request(url, data=body.encode(), headers={"Referer": url})
        return self.opener.open(request, timeout=60)


def test_two_nodes_share_sessions_exports_and_scans(cluster):
    urls, nodes = cluster["urls"], cluster["nodes"]
    browser = Browser()

    # A session opened on node A ...
    signed_in = browser.post(
        f"{urls['a']}/accounts/login/", {"username": "dm", "password": PASSWORD}
    )
    assert "/accounts/login/" not in signed_in.geturl(), "sign-in on node A failed"
    # ... works on node B.
    home_b = browser.get(f"{urls['b']}/")
    assert "/accounts/login/" not in home_b.geturl()
    assert "dm" in home_b.read().decode()

    # An export requested through node A ...
    queued = browser.post(f"{urls['a']}{reverse('export_page')}", {"format": "odm"})
    run = ExportRun.objects.get()
    assert run.channel == ExportChannel.TASK and f"/exports/{run.pk}/" in queued.geturl()
    _wait(lambda: ExportRun.objects.get(pk=run.pk).finished, nodes.values(), what="the export")
    run.refresh_from_db()
    assert run.status == ExportStatus.DONE, run.error
    # ... is run by worker B (node A's tasks go to B's queue; only B produced a file) ...
    assert (nodes["worker_b"].var / "tmp").is_dir()
    assert not (nodes["worker_a"].var / "tmp").exists()
    for node in nodes.values():
        assert not (node.var / "exports").exists(), f"{node.name} kept a file of its own"
    # ... and downloaded through node B, whole.
    download = browser.get(f"{urls['b']}{reverse('export_download', args=[run.pk])}")
    body = download.read()
    assert download.headers["Content-Length"] == str(run.file_size)
    assert hashlib.sha256(body).hexdigest() == run.sha256 and body.startswith(b"<?xml")
    run.refresh_from_db()
    assert run.download_count == 1

    # A reminder scan run by both workers at once sends each reminder once.
    queue_a, queue_b = cluster["queues"]
    for queue in (queue_a, queue_b):
        celery_app.send_task("followup.tasks.scan_reminders", queue=queue)

    def settled() -> bool:
        pending = Reminder.objects.filter(sent_at=None, superseded_at=None)
        return Reminder.objects.exists() and not pending.exists()

    _wait(settled, nodes.values(), seconds=120, what="every reminder sent")
    time.sleep(3)  # any duplicate send still on its way would land now
    sent = Reminder.objects.exclude(sent_at=None)
    assert sent.exists()
    assert set(sent.values_list("attempts", flat=True)) == {1}
    mails = sum(
        path.read_text().count("Subject: [eCRF]")
        for node in (nodes["worker_a"], nodes["worker_b"])
        for path in (node.var / "mail").glob("*")
    )
    assert mails == sent.count()
    # The whole log: the scan's reminders are sent by tasks whose lines follow its own.
    scanned_by = [
        n for n in ("worker_a", "worker_b") if "scan_reminders" in nodes[n].output(tail=None)
    ]
    assert scanned_by == ["worker_a", "worker_b"]  # both scans really ran
