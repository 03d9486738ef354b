"""Two housekeeping scans at once (a second beat started by mistake, or a manual run beside
the scheduled one) each claim their runs: every file is deleted and audited once."""

import threading
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.utils import timezone

from exports import services
from exports.models import ExportRun, ExportRunEvent, ExportStatus, StoredFile
from exports.storage import DatabaseStorage


@pytest.mark.django_db(transaction=True)
def test_concurrent_expiry_scans_expire_each_run_once(settings):
    settings.STORAGES = settings.STORAGES | {
        "exports": {"BACKEND": "exports.storage.DatabaseStorage"}
    }
    now = timezone.now()
    old = now - timedelta(days=settings.EXPORT_RETENTION_DAYS + 1)
    runs = []
    for number in range(6):
        name = DatabaseStorage().save(f"{number:06d}-csv.zip", ContentFile(b"PK" * 100))
        runs.append(
            ExportRun.objects.create(
                requested_at=old,
                finished_at=old,
                channel="command",
                format="csv",
                status=ExportStatus.DONE,
                file_path=name,
                file_size=200,
            )
        )
    barrier = threading.Barrier(3)
    counts, errors = [], []

    def scan():
        try:
            barrier.wait(timeout=10)
            counts.append(services.exports_expire(now=now))
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=scan) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sum(counts) == len(runs)
    assert not StoredFile.objects.exists()
    assert set(ExportRun.objects.values_list("status", flat=True)) == {ExportStatus.EXPIRED}
    expired_events = ExportRunEvent.objects.filter(status=ExportStatus.EXPIRED)
    assert expired_events.count() == len(runs)  # one audited expiry per run, not one per scan
