"""Large exports run on a worker: the task takes the run's id and calls the service."""

from celery import shared_task
from django.utils import timezone

from exports import services

# A full ODM or XLSX export of the large seed takes minutes, not the 5 of the default limit.
SOFT_TIME_LIMIT = 55 * 60
TIME_LIMIT = 60 * 60


@shared_task(ignore_result=True, soft_time_limit=SOFT_TIME_LIMIT, time_limit=TIME_LIMIT)
def run_export(run_id: int) -> None:
    """Produce a pending export; running it twice is harmless (the run is claimed once).

    A soft time limit raises inside the export, which records the run as failed.
    """
    services.export_run(run_id=run_id)


@shared_task(acks_late=True, ignore_result=True, soft_time_limit=240, time_limit=300)
def scan_exports() -> tuple[int, int]:
    """Beat, hourly: delete files past their retention period, fail runs whose worker died.
    Both claim each run with a conditional update: two scans at once do the work once."""
    now = timezone.now()
    return services.exports_expire(now=now), services.exports_fail_stale(now=now)
