"""The Celery task path, called directly, and the progress it reports."""

import pytest

from exports import services
from exports.models import ExportChannel, ExportRun, ExportStatus
from exports.services import _Progress
from exports.storage import export_storage
from exports.tasks import SOFT_TIME_LIMIT, TIME_LIMIT, run_export


def _queued(data, fmt="odm") -> ExportRun:
    return services.export_request(by=data.users["dm"], format=fmt, channel=ExportChannel.TASK)


def test_task_produces_the_export(data):
    run = _queued(data)
    run_export(run.pk)
    run.refresh_from_db()
    assert run.status == ExportStatus.DONE and run.progress == 100
    assert run.started_at and run.finished_at
    with services.export_open(run) as handle:
        assert handle.read().startswith(b"<?xml")
    assert run.row_counts["subjects"] == 3


def test_running_the_task_twice_produces_the_file_once(data):
    run = _queued(data, "csv")
    run_export(run.pk)
    run.refresh_from_db()
    first = (run.file_path, run.sha256, run.finished_at)
    run_export(run.pk)  # a retry, or a second worker
    run.refresh_from_db()
    assert (run.file_path, run.sha256, run.finished_at) == first
    assert export_storage().listdir("")[1] == [run.file_path]


def test_a_failing_export_is_recorded_and_leaves_no_partial_file(data, monkeypatch):
    def broken(*args, **kwargs):
        raise OSError("No space left on device")

    monkeypatch.setattr(services.odm, "write_odm", broken)
    run = _queued(data)
    run_export(run.pk)
    run.refresh_from_db()
    assert run.status == ExportStatus.FAILED
    assert "No space left on device" in run.error
    assert not export_storage().exists("") or export_storage().listdir("")[1] == []
    assert list(services.scratch_dir().iterdir()) == []


def test_task_takes_an_id_and_has_time_limits():
    assert run_export.soft_time_limit == SOFT_TIME_LIMIT < run_export.time_limit == TIME_LIMIT
    assert run_export.app.conf.task_serializer == "json"


@pytest.mark.parametrize(
    ("ticks", "written"),
    [
        ([10] * 10, [10, 20, 30, 40, 50, 60, 70, 80, 90]),  # 99 % at the end: under 10 more
        ([1] * 9, []),  # under 10 % and under a second: nothing written yet
        ([200], [99]),  # never 100 until the file is complete
    ],
)
def test_progress_is_written_in_steps(ticks, written):
    seen = []
    progress = _Progress(seen.append)
    progress.total = 100
    for rows in ticks:
        progress(rows)
    assert seen == written
