"""Large exports run on a worker: the task takes the run's id and calls the service."""

from celery import shared_task

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
