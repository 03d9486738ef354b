"""Reminder tasks: short, idempotent, ids only in their arguments.

Caveats from Celery's documentation this follows: no long ETA/countdown on Redis (the
visibility timeout would re-deliver them), so beat drives a frequent scan instead; exactly one
beat process; acks_late only on tasks that are safe to run twice (all of these are).
"""

import logging

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from followup import services
from trial import audit_chain

log = logging.getLogger(__name__)


@shared_task(acks_late=True, ignore_result=True, soft_time_limit=240, time_limit=300)
def scan_reminders() -> int:
    """Beat, every few minutes: create what is due and queue the sends (after commit)."""
    now = timezone.now()
    services.scan(now)
    pending = services.pending_ids(now)
    for reminder_id in pending:
        send_reminder.delay(reminder_id)
    return len(pending)


@shared_task(
    acks_late=True,
    ignore_result=True,
    autoretry_for=(Exception,),
    retry_backoff=30,
    retry_backoff_max=1800,
    max_retries=8,
    soft_time_limit=50,
    time_limit=60,
)
def send_reminder(reminder_id: int) -> bool:
    return services.reminder_send(reminder_id=reminder_id, now=timezone.now())


@shared_task(acks_late=True, ignore_result=True, soft_time_limit=50, time_limit=60)
def sae_alert(ae_id: int) -> int:
    """Enqueued on commit when an AE becomes serious: alert without waiting for the scan."""
    ids = services.sae_alert_now(ae_id=ae_id, now=timezone.now())
    for reminder_id in ids:
        send_reminder.delay(reminder_id)
    return len(ids)


def enqueue_sae_alert(ae_id: int) -> None:
    """Call inside the transaction that marks an AE serious: the alert leaves after commit."""
    transaction.on_commit(lambda: sae_alert.delay(ae_id))


@shared_task(acks_late=True, ignore_result=True, soft_time_limit=1700, time_limit=1800)
def verify_audit_trail() -> str:
    """Beat, daily: recompute the audit trail's hash chain and alert the administrators when
    it is broken. Returns the problem ('' when intact); safe to run twice (one alert a day)."""
    result = audit_chain.verify()
    if result.intact:
        log.info("audit trail intact: %s links, head %s", result.links, result.head_hash)
        return ""
    log.error("audit trail broken: %s", result.problem)
    for reminder_id in services.audit_alert(problem=result.problem, now=timezone.now()):
        send_reminder.delay(reminder_id)
    return result.problem
