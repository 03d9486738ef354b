from celery import shared_task
from django.utils import timezone

from trial.models import Heartbeat


@shared_task(ignore_result=True)
def record_heartbeat(process: str) -> None:
    """Beat sends this every minute; the worker running it proves both are alive."""
    Heartbeat.objects.update_or_create(process=process, defaults={"last_seen": timezone.now()})


@shared_task
def ping() -> str:
    return "pong"
