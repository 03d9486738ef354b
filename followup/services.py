"""Finding what is due (the scan), creating reminders exactly once, and sending them.

The scan is one pass of database queries whose number does not depend on the number of
subjects: candidate rows are filtered on indexed deadline columns, recipients are loaded once
per scan, and reminders are inserted with ON CONFLICT DO NOTHING on their unique key, so
re-runs, retries and concurrent scans cannot create one twice. Sending claims each reminder
with a conditional update first, so two workers never send the same one.
"""

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from adverse_events.models import AdverseEvent
from followup import rules
from followup.models import Notification, Reminder, ReminderKind
from review.models import Query, QueryStatus
from trial.models import Membership, Role, User, Visit

log = logging.getLogger(__name__)
SETTINGS = rules.ReminderSettings(
    query_open_days=getattr(settings, "REMINDER_QUERY_OPEN_DAYS", 7),
)
# A claim older than this is from a worker that died mid-send: the reminder is sent again.
STALE_CLAIM = timedelta(seconds=getattr(settings, "REMINDER_STALE_CLAIM_SECONDS", 900))


@dataclass
class ScanResult:
    created: list[int] = field(default_factory=list)
    considered: int = 0
    planned: list[Reminder] = field(default_factory=list)


class _Recipients:
    """Everyone a reminder may go to, loaded once per scan."""

    def __init__(self):
        self.by_site_role: dict[tuple[int | None, str], list[User]] = defaultdict(list)
        memberships = Membership.objects.filter(user__is_active=True).select_related("user")
        for m in memberships:
            self.by_site_role[(m.site_id, m.role)].append(m.user)

    def at(self, site_id: int, *roles: str) -> list[User]:
        users = {}
        for role in roles:
            for user in self.by_site_role[(site_id, role)] + self.by_site_role[(None, role)]:
                users[user.pk] = user
        return list(users.values())

    def coordinators(self) -> list[tuple[User, list[int]]]:
        sites: dict[int, tuple[User, list[int]]] = {}
        for (site_id, role), users in self.by_site_role.items():
            if role == Role.COORDINATOR and site_id is not None:
                for user in users:
                    sites.setdefault(user.pk, (user, []))[1].append(site_id)
        return list(sites.values())


def _reminder(kind, record, due, recipient, *, subject=None, title, body, url="", due_at=None):
    """`due` (a date or a moment) is part of the unique key; `due_at` when it is a date."""
    return Reminder(
        key=rules.reminder_key(kind, record, due, recipient.pk),
        kind=kind,
        recipient=recipient,
        subject=subject,
        title=title[:200],
        body=body,
        url=url,
        due_at=due_at or due,
    )


def _visit_reminders(now: datetime, recipients: _Recipients, result: ScanResult):
    tz = timezone.get_current_timezone()
    today = timezone.localtime(now).date()
    lead = max(SETTINGS.upcoming_lead_days or (0,))
    visits = (
        Visit.objects.filter(
            completed_on__isnull=True,
            not_applicable=False,
            missed_reason="",
            subject__voided_at__isnull=True,
            window_opens_on__lte=today + timedelta(days=lead),
            window_closes_on__gte=today - timedelta(days=SETTINGS.overdue_lookback_days),
        )
        .select_related("subject")
        .only(
            "id",
            "code",
            "name",
            "window_opens_on",
            "window_closes_on",
            "subject__id",
            "subject__site_id",
            "subject__subject_number",
            "subject__screening_number",
        )
    )
    for visit in visits.iterator(chunk_size=2000):
        result.considered += 1
        for kind, day in rules.visit_reminders(
            window_opens=visit.window_opens_on,
            window_closes=visit.window_closes_on,
            settings=SETTINGS,
        ):
            due = rules.at_local_hour(day, SETTINGS.send_hour, tz)
            if due > now:
                continue
            label = ReminderKind(kind).label
            number = visit.subject.subject_number or visit.subject.screening_number
            for user in recipients.at(visit.subject.site_id, Role.COORDINATOR):
                yield _reminder(
                    kind,
                    f"visit{visit.pk}",
                    day,
                    user,
                    subject=visit.subject,
                    title=f"{label}: {number} {visit.code}",
                    body=(
                        f"{visit.name} of subject {number}: window "
                        f"{visit.window_opens_on} to {visit.window_closes_on}."
                    ),
                    url=reverse("subject_detail", args=[visit.subject_id]),
                    due_at=due,
                )


def _sae_reminders(now: datetime, recipients: _Recipients, result: ScanResult):
    saes = AdverseEvent.objects.filter(
        serious=True,
        voided_at__isnull=True,
        sae_reported_at__isnull=True,
        aware_at__lte=now,
        aware_at__gte=now - timedelta(days=30),
    ).select_related("subject", "term")
    for ae in saes.iterator(chunk_size=2000):
        result.considered += 1
        number = ae.subject.subject_number or ae.subject.screening_number
        for kind, due in rules.sae_reminders(aware_at=ae.aware_at):
            if due > now:
                continue
            for user in recipients.at(ae.subject.site_id, Role.INVESTIGATOR, Role.SPONSOR_SAFETY):
                yield _reminder(
                    kind,
                    f"ae{ae.pk}",
                    due,
                    user,
                    subject=ae.subject,
                    title=f"{ReminderKind(kind).label}: {number} AE{ae.sequence}",
                    body=(
                        f"Serious adverse event {ae.display_term} (grade {ae.grade}) of subject "
                        f"{number}; the report is due "
                        f"{timezone.localtime(ae.sae_report_due_at):%Y-%m-%d %H:%M %Z}."
                    ),
                    url=reverse("ae_detail", args=[ae.pk]),
                )
    susars = AdverseEvent.objects.filter(
        susar=True,
        voided_at__isnull=True,
        susar_report_due_at__isnull=False,
        aware_at__lte=now,
        aware_at__gte=now - timedelta(days=30),
    ).select_related("subject", "term")
    for ae in susars.iterator(chunk_size=2000):
        number = ae.subject.subject_number or ae.subject.screening_number
        for user in recipients.at(ae.subject.site_id, Role.SPONSOR_SAFETY, Role.INVESTIGATOR):
            yield _reminder(
                "susar_due",
                f"ae{ae.pk}",
                ae.aware_at,
                user,
                subject=ae.subject,
                title=f"SUSAR: {number} AE{ae.sequence}",
                body=(
                    f"{ae.display_term} is serious, related and unexpected: the expedited "
                    f"report is due {timezone.localtime(ae.susar_report_due_at):%Y-%m-%d}."
                ),
                url=reverse("ae_detail", args=[ae.pk]),
            )


def _query_reminders(now: datetime, recipients: _Recipients, result: ScanResult):
    cutoff = now - timedelta(days=SETTINGS.query_open_days)
    queries = Query.objects.filter(
        status__in=[QueryStatus.OPEN, QueryStatus.ANSWERED], raised_at__lte=cutoff
    ).select_related("subject", "raised_by")
    for query in queries.iterator(chunk_size=2000):
        result.considered += 1
        due = rules.query_reminder(raised_at=query.raised_at, settings=SETTINGS)
        number = query.subject.subject_number or query.subject.screening_number
        if query.status == QueryStatus.OPEN:
            users = recipients.at(query.subject.site_id, Role.COORDINATOR)
        else:
            users = [query.raised_by] if query.raised_by_id else []
        for user in users:
            yield _reminder(
                "query_open",
                f"query{query.pk}",
                due,
                user,
                subject=query.subject,
                title=f"Query open for {SETTINGS.query_open_days} days: {number}",
                due_at=due,
                body=query.text[:500],
            )


def _digests(now: datetime, recipients: _Recipients, result: ScanResult):
    local = timezone.localtime(now)
    if local.hour < SETTINGS.digest_hour:
        return
    today = local.date()
    # One grouped query for every site: the digest costs the same whatever the study's size.
    per_site = {
        row["subject__site_id"]: row
        for row in Visit.objects.filter(
            completed_on__isnull=True,
            not_applicable=False,
            missed_reason="",
            subject__voided_at__isnull=True,
            window_opens_on__lte=today + timedelta(days=7),
        )
        .values("subject__site_id")
        .annotate(
            overdue=Count("id", filter=Q(window_closes_on__lt=today)),
            upcoming=Count("id", filter=Q(window_closes_on__gte=today)),
        )
    }
    for user, site_ids in recipients.coordinators():
        overdue = sum(per_site.get(site, {}).get("overdue", 0) for site in site_ids)
        upcoming = sum(per_site.get(site, {}).get("upcoming", 0) for site in site_ids)
        if not (overdue or upcoming):
            continue
        yield _reminder(
            "daily_digest",
            "digest",
            today,
            user,
            title=f"Daily digest {today}: {overdue} overdue, {upcoming} due this week",
            body=(
                f"At your sites: {overdue} visit(s) overdue and {upcoming} visit(s) due "
                "within 7 days. See the worklist."
            ),
            url=reverse("worklist"),
            due_at=rules.at_local_hour(today, SETTINGS.digest_hour, local.tzinfo),
        )


def plan(now: datetime) -> ScanResult:
    """Everything due at `now` (nothing written): used by the scan and the dry run."""
    result = ScanResult()
    recipients = _Recipients()
    for source in (_visit_reminders, _sae_reminders, _query_reminders, _digests):
        result.planned.extend(source(now, recipients, result))
    return result


def scan(now: datetime) -> ScanResult:
    """Create the reminders due at `now`; returns the ids of those this scan created."""
    result = plan(now)
    if not result.planned:
        return result
    keys = [r.key for r in result.planned]
    with transaction.atomic():
        existing = set(Reminder.objects.filter(key__in=keys).values_list("key", flat=True))
        fresh = [r for r in result.planned if r.key not in existing]
        # ON CONFLICT DO NOTHING: a concurrent scan inserting the same key wins silently.
        Reminder.objects.bulk_create(fresh, ignore_conflicts=True, batch_size=1000)
        result.created = list(
            Reminder.objects.filter(
                key__in=[r.key for r in fresh], sent_at__isnull=True, claimed_at__isnull=True
            ).values_list("id", flat=True)
        )
    return result


def pending_ids(now: datetime) -> list[int]:
    """Reminders not yet sent (new, failed earlier, or claimed by a worker that died)."""
    return list(
        Reminder.objects.filter(sent_at__isnull=True, due_at__lte=now)
        .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - STALE_CLAIM))
        .values_list("id", flat=True)[:5000]
    )


def reminder_send(*, reminder_id: int, now: datetime) -> bool:
    """Send one reminder (email + in-app notification) unless someone else already did.

    Returns True when this call sent it. Claim first (conditional update), send, then mark
    sent and create the notification in one transaction.
    """
    claimed = (
        Reminder.objects.filter(pk=reminder_id, sent_at__isnull=True)
        .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - STALE_CLAIM))
        .update(claimed_at=now)
    )
    if not claimed:
        return False
    reminder = Reminder.objects.select_related("recipient").get(pk=reminder_id)
    try:
        if reminder.recipient.email:
            send_mail(
                subject=f"[eCRF] {reminder.title}",
                message=f"{reminder.body}\n\n{reminder.url}",
                from_email=None,
                recipient_list=[reminder.recipient.email],
            )
    except Exception as exc:
        Reminder.objects.filter(pk=reminder_id).update(
            claimed_at=None, attempts=reminder.attempts + 1, last_error=str(exc)[:2000]
        )
        log.warning("reminder %s not sent: %s", reminder_id, exc)
        raise
    with transaction.atomic():
        Reminder.objects.filter(pk=reminder_id).update(
            sent_at=timezone.now(), attempts=reminder.attempts + 1, last_error=""
        )
        Notification.objects.get_or_create(
            reminder=reminder,
            defaults={
                "user": reminder.recipient,
                "title": reminder.title,
                "body": reminder.body,
                "url": reminder.url,
            },
        )
    return True


def sae_alert_now(*, ae_id: int, now: datetime) -> list[int]:
    """The immediate SAE alert: create the 'new SAE' reminders of one AE."""
    ae = AdverseEvent.objects.select_related("subject", "term").get(pk=ae_id)
    if not ae.serious or ae.voided_at or ae.aware_at is None:
        return []
    recipients = _Recipients()
    result = ScanResult()
    planned = [
        r
        for r in _sae_reminders(max(now, ae.aware_at), recipients, result)
        if r.kind == "sae_new" and r.key.split(":")[1] == f"ae{ae.pk}"
    ]
    Reminder.objects.bulk_create(planned, ignore_conflicts=True)
    return list(
        Reminder.objects.filter(key__in=[r.key for r in planned], sent_at__isnull=True).values_list(
            "id", flat=True
        )
    )


def notifications_mark_read(*, user: User, ids: list[int] | None, now: datetime) -> int:
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    return unread.update(read_at=now)
