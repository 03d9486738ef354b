"""Export files through the storage API: the database backend, streaming downloads, the
retention scan and the scan of runs left running by a dead worker, on each backend."""

import hashlib
import io
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from exports import services
from exports.models import ExportRun, ExportRunEvent, ExportStatus, StoredFile, StoredFileChunk
from exports.storage import DatabaseStorage, export_storage
from exports.tasks import TIME_LIMIT

BACKENDS = {
    "filesystem": {"BACKEND": "exports.storage.ExportFileSystemStorage"},
    "database": {"BACKEND": "exports.storage.DatabaseStorage"},
}


S3 = {
    "BACKEND": "storages.backends.s3.S3Storage",
    "OPTIONS": {
        "bucket_name": "ecrf-exports-test",
        "region_name": "eu-west-3",
        "location": "exports",
        "default_acl": None,
        "file_overwrite": False,
    },
}


@pytest.fixture
def s3_bucket(monkeypatch):
    """moto's S3, inside this process (no network): django-storages talks to it through
    boto3 exactly as it would to a real bucket."""
    import boto3
    from moto import mock_aws

    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "eu-west-3",
    }.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        client = boto3.client("s3", region_name="eu-west-3")
        client.create_bucket(
            Bucket=S3["OPTIONS"]["bucket_name"],
            CreateBucketConfiguration={"LocationConstraint": "eu-west-3"},
        )
        yield client


@pytest.fixture(params=[*sorted(BACKENDS), "s3"])
def backend(request, settings):
    if request.param == "s3":
        request.getfixturevalue("s3_bucket")
        settings.STORAGES = settings.STORAGES | {"exports": S3}
    else:
        settings.STORAGES = settings.STORAGES | {"exports": BACKENDS[request.param]}
    return request.param


# --- the database backend ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "size",
    [0, 1, 6, 7, 8, 20, 21, 22],  # chunk of 7: empty, under, exactly one, one over, 3 exact, ...
)
def test_database_storage_keeps_every_byte_in_chunks(db, size):
    storage = DatabaseStorage(chunk_size=7)
    content = bytes(range(size))
    name = storage.save("f.bin", ContentFile(content))
    stored = StoredFile.objects.get(name=name)
    assert stored.size == size
    assert StoredFileChunk.objects.filter(file=stored).count() == -(-size // 7)
    with storage.open(name) as handle:
        assert handle.read() == content
    assert storage.size(name) == size and storage.exists(name)


def test_database_storage_reads_in_blocks_and_seeks(db):
    storage = DatabaseStorage(chunk_size=4)
    content = b"abcdefghijklmnopqrstuvwxyz"
    name = storage.save("a.txt", ContentFile(content))
    with storage.open(name) as handle:
        assert handle.read(3) == b"abc"
        assert handle.read(3) == b"def"  # across a chunk boundary
        handle.seek(-2, io.SEEK_END)
        assert handle.read() == b"yz"
        handle.seek(9)
        assert handle.tell() == 9 and handle.read(5) == b"jklmn"


def test_database_storage_names_a_second_file_of_the_same_name_apart(db):
    storage = DatabaseStorage()
    first = storage.save("same.csv", ContentFile(b"1"))
    second = storage.save("same.csv", ContentFile(b"2"))
    assert first == "same.csv" and second != first
    with storage.open(second) as handle:
        assert handle.read() == b"2"


def test_database_storage_deletes_the_file_and_its_chunks(db):
    storage = DatabaseStorage(chunk_size=2)
    name = storage.save("gone.csv", ContentFile(b"123456"))
    storage.delete(name)
    assert not storage.exists(name)
    assert not StoredFileChunk.objects.exists()
    storage.delete(name)  # twice: nothing to do
    with pytest.raises(FileNotFoundError):
        storage.open(name)


def test_database_storage_is_never_opened_for_writing(db):
    name = DatabaseStorage().save("r.csv", ContentFile(b"x"))
    with pytest.raises(ValueError, match="never opened for writing"):
        DatabaseStorage().open(name, "wb")


def test_database_storage_lists_its_files(db):
    storage = DatabaseStorage()
    for name in ("b.csv", "a.csv", "sub/c.csv"):
        storage.save(name, ContentFile(b"x"))
    assert storage.listdir("") == (["sub"], ["a.csv", "b.csv"])
    assert storage.listdir("sub") == ([], ["c.csv"])


# --- exports on each backend -------------------------------------------------------------------


def _done(data, fmt="csv") -> ExportRun:
    run = services.export_request(by=data.users["dm"], format=fmt, channel="command")
    return services.export_run(run_id=run.pk)


def test_export_is_stored_with_its_size_and_checksum(data, backend):
    run = _done(data)
    assert run.status == ExportStatus.DONE, run.error
    with services.export_open(run) as handle:
        content = handle.read()
    assert run.file_size == len(content) > 0
    assert run.sha256 == hashlib.sha256(content).hexdigest()
    assert export_storage().exists(run.file_path)
    assert list(services.scratch_dir().iterdir()) == []  # nothing left on the worker's disk


def test_download_streams_the_stored_file(client, data, backend):
    run = _done(data, "odm")
    client.force_login(data.users["dm"])
    response = client.get(reverse("export_download", args=[run.pk]))
    assert response.status_code == 200 and response.streaming
    assert response["Content-Length"] == str(run.file_size)
    assert response["X-Checksum-SHA256"] == run.sha256
    body = b"".join(response.streaming_content)
    assert hashlib.sha256(body).hexdigest() == run.sha256
    run.refresh_from_db()
    assert run.download_count == 1


def test_database_download_reads_one_chunk_at_a_time(client, data, settings):
    settings.STORAGES = settings.STORAGES | {"exports": BACKENDS["database"]}
    settings.EXPORT_CHUNK_BYTES = 1024
    run = _done(data, "odm")
    chunks = StoredFileChunk.objects.filter(file__name=run.file_path).count()
    assert chunks == -(-run.file_size // 1024) > 2
    client.force_login(data.users["dm"])
    response = client.get(reverse("export_download", args=[run.pk]))
    with CaptureQueriesContext(connection) as queries:
        body = b"".join(response.streaming_content)
    chunk_reads = [q for q in queries if 'FROM "exports_storedfilechunk"' in q["sql"]]
    assert len(chunk_reads) == chunks  # each chunk read once, one at a time, as it is sent
    assert hashlib.sha256(body).hexdigest() == run.sha256


# --- retention ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("age", "expired"),
    [
        (timedelta(days=29, hours=23), False),
        (timedelta(days=30), False),  # exactly the retention period: kept until it is past
        (timedelta(days=30, seconds=1), True),
        (timedelta(days=400), True),
    ],
)
def test_file_is_deleted_once_past_the_retention_period(data, backend, settings, age, expired):
    settings.EXPORT_RETENTION_DAYS = 30
    run = _done(data)
    now = run.finished_at + age
    assert services.exports_expire(now=now) == int(expired)
    run.refresh_from_db()
    assert export_storage().exists(run.file_path) is not expired
    assert run.status == (ExportStatus.EXPIRED if expired else ExportStatus.DONE)
    # The run itself stays on record, with what the file was.
    assert run.file_size and run.sha256 and run.file_path


def test_expiry_is_audited_and_runs_once(data, backend):
    run = _done(data)
    later = run.finished_at + timedelta(days=365)
    assert services.exports_expire(now=later) == 1
    assert services.exports_expire(now=later) == 0  # a second scan (or a second beat)
    run.refresh_from_db()
    assert run.expired_at == later
    last = ExportRunEvent.objects.filter(pgh_obj=run).latest("pgh_id")
    assert last.status == ExportStatus.EXPIRED
    assert last.pgh_context.metadata["reason"] == "Export file deleted after 30 days (retention)"


def test_expired_export_cannot_be_downloaded_and_says_why(client, data, backend):
    run = _done(data)
    services.exports_expire(now=run.finished_at + timedelta(days=365))
    client.force_login(data.users["dm"])
    response = client.get(reverse("export_download", args=[run.pk]), follow=True)
    assert "deleted after 30 days" in response.content.decode()
    run.refresh_from_db()
    assert run.download_count == 0


def test_runs_without_a_file_never_expire(data, backend):
    """Bulk downloads are runs done with no file: there is nothing to delete."""
    recorded = services.download_record(
        by=data.users["dm"], what="ae_list", filters={}, rows=1, site_codes=["FR01"]
    )
    assert services.exports_expire(now=timezone.now() + timedelta(days=365)) == 0
    recorded.refresh_from_db()
    assert recorded.status == ExportStatus.DONE


# --- runs left running by a dead worker ---------------------------------------------------------


@pytest.mark.parametrize(
    ("age", "failed"),
    [
        (timedelta(minutes=89), False),
        (timedelta(minutes=90), False),
        (timedelta(minutes=90, seconds=1), True),
    ],
)
def test_run_left_running_by_a_dead_worker_is_marked_failed(data, settings, age, failed):
    settings.EXPORT_RUNNING_TIMEOUT_MINUTES = 90
    run = services.export_request(by=data.users["dm"], format="csv", channel="command")
    started = timezone.now()
    ExportRun.objects.filter(pk=run.pk).update(status=ExportStatus.RUNNING, started_at=started)
    assert services.exports_fail_stale(now=started + age) == int(failed)
    run.refresh_from_db()
    assert run.status == (ExportStatus.FAILED if failed else ExportStatus.RUNNING)
    if failed:
        assert "worker stopped" in run.error and run.finished_at == started + age


def test_running_timeout_is_longer_than_the_task_time_limit(settings):
    """A run younger than the task's hard limit may still be alive on its worker."""
    assert settings.EXPORT_RUNNING_TIMEOUT_MINUTES * 60 > TIME_LIMIT


def test_the_housekeeping_task_is_on_the_beat_schedule():
    from config.celery import app

    entries = {e["task"] for e in app.conf.beat_schedule.values()}
    assert "exports.tasks.scan_exports" in entries


def test_s3_export_is_an_object_in_the_bucket(data, settings, s3_bucket):
    settings.STORAGES = settings.STORAGES | {"exports": S3}
    run = _done(data)
    listed = s3_bucket.list_objects_v2(Bucket=S3["OPTIONS"]["bucket_name"])
    assert [o["Key"] for o in listed["Contents"]] == [f"exports/{run.file_path}"]
    assert listed["Contents"][0]["Size"] == run.file_size
    services.exports_expire(now=run.finished_at + timedelta(days=365))
    assert "Contents" not in s3_bucket.list_objects_v2(Bucket=S3["OPTIONS"]["bucket_name"])
