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
from datetime import date, datetime, timedelta
from typing import NamedTuple

from django.conf import settings
from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import CharField, Count, Exists, OuterRef, Q, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Concat
from django.urls import reverse
from django.utils import timezone

from adverse_events.models import AdverseEvent
from followup import rules
from followup.models import Notification, Reminder, ReminderKind
from review import task_counts
from review.models import Query, QueryMessage, QueryStatus
from trial.models import Membership, Role, User, Visit
from trial.study import current_study_or_none

log = logging.getLogger(__name__)
SETTINGS = rules.ReminderSettings(
    query_open_days=getattr(settings, "REMINDER_QUERY_OPEN_DAYS", 7),
)
# A claim older than this is from a worker that died mid-send: the reminder is sent again.
STALE_CLAIM = timedelta(seconds=getattr(settings, "REMINDER_STALE_CLAIM_SECONDS", 900))


class _SeenVisit(NamedTuple):
    id: int
    opens: date
    closes: date
    read_at: datetime | None  # its reminder_due_at when the scan read it
    next_at: datetime


class _SeenForms(NamedTuple):
    id: int
    row_version: str  # the visit row's xmin when the scan read it


class _SeenQuery(NamedTuple):
    id: int
    status: str
    read_at: datetime | None
    next_at: datetime


@dataclass
class ScanResult:
    created: list[int] = field(default_factory=list)
    considered: int = 0
    planned: list[Reminder] = field(default_factory=list)
    visits_seen: list[_SeenVisit] = field(default_factory=list)
    forms_seen: list[_SeenForms] = field(default_factory=list)
    queries_seen: list[_SeenQuery] = field(default_factory=list)


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
    reminder = Reminder(
        key=rules.reminder_key(kind, record, due, recipient.pk),
        kind=kind,
        recipient=recipient,
        subject=subject,
        title=title[:200],
        body=body,
        url=url,
        due_at=due_at or due,
    )
    reminder.record_ref = record
    return reminder


def _visit_reminders(now: datetime, recipients: _Recipients, result: ScanResult):
    """The open visits whose stored moment (reminder_due_at) has come, whatever the number
    of visits in the trial; each one's next moment is kept for scan() to store."""
    tz = timezone.get_current_timezone()
    visits = (
        Visit.objects.filter(
            Q(reminder_due_at__isnull=True) | Q(reminder_due_at__lte=now),
            completed_on__isnull=True,
            not_applicable=False,
            missed_reason="",
            subject__voided_at__isnull=True,
        )
        .select_related("subject")
        .only(
            "id",
            "code",
            "name",
            "window_opens_on",
            "window_closes_on",
            "reminder_due_at",
            "subject__id",
            "subject__site_id",
            "subject__subject_number",
            "subject__screening_number",
        )
    )
    for visit in visits.iterator(chunk_size=2000):
        result.considered += 1
        reminders = rules.visit_reminders_at(
            window_opens=visit.window_opens_on,
            window_closes=visit.window_closes_on,
            now=now,
            settings=SETTINGS,
            tz=tz,
        )
        result.visits_seen.append(
            _SeenVisit(
                visit.pk,
                visit.window_opens_on,
                visit.window_closes_on,
                visit.reminder_due_at,
                reminders.next_at,
            )
        )
        number = visit.subject.subject_number or visit.subject.screening_number
        for kind, day, due in reminders.due:
            label = ReminderKind(kind).label
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


def _update_from_values(sql: str, row: str, seen: list[tuple], *before) -> None:
    """Run `sql`, an UPDATE ... FROM (VALUES {rows}) AS seen(...), once per thousand rows of
    `seen`; `row` is one row's placeholders, `before` the parameters ahead of the rows."""
    for start in range(0, len(seen), 1000):
        batch = seen[start : start + 1000]
        params = [*before, *(value for values in batch for value in values)]
        with connection.cursor() as cursor:
            cursor.execute(sql.format(rows=", ".join([row] * len(batch))), params)


def _advance_visits(seen: list["_SeenVisit"]) -> None:
    """Store each visit's next reminder moment, unless the visit changed since the scan read
    it (its window moved or its moment was reset): then the next scan reads it again. One
    statement per thousand visits."""
    _update_from_values(
        """
        UPDATE trial_visit AS visit SET reminder_due_at = seen.next_at
        FROM (VALUES {rows}) AS seen(id, opens, closes, read_at, next_at)
        WHERE visit.id = seen.id
          AND visit.window_opens_on = seen.opens
          AND visit.window_closes_on = seen.closes
          AND visit.reminder_due_at IS NOT DISTINCT FROM seen.read_at
        """,
        "(%s, %s::date, %s::date, %s::timestamptz, %s::timestamptz)",
        seen,
    )


def _missing_form_reminders(now: datetime, recipients: _Recipients, result: ScanResult):
    """A form the schedule of assessments expects, still missing once its visit's window has
    closed (review.task_counts.missing_forms): one reminder per visit, form and coordinator.

    Only the visits not read yet once their reminders were due (Visit.forms_checked_at is
    NULL: on the partial index visit_forms_unchecked) are read, so a scan with nothing new
    reads nothing whatever the trial's size; scan() stores the moment on the visits read."""
    study = current_study_or_none()
    if study is None:
        return
    tz = timezone.get_current_timezone()
    today = timezone.localtime(now).date()
    closed = Visit.objects.filter(
        forms_checked_at__isnull=True,
        window_closes_on__lte=rules.missing_forms_due_through(now=now, settings=SETTINGS, tz=tz),
        window_closes_on__gte=today - timedelta(days=SETTINGS.overdue_lookback_days),
    )
    # Read with their row version (xmin): a record corrected or voided after this read
    # resets forms_checked_at, a new row version, and then _check_forms leaves the visit
    # for the next scan.
    result.forms_seen.extend(
        _SeenForms(pk, version)
        for pk, version in task_counts.owing(closed, today=today)
        .annotate(row_version=RawSQL('"trial_visit"."xmin"::text', ()))
        .values_list("id", "row_version")
    )
    for missing in task_counts.missing_forms(closed, study.schedule_of_assessments(), today=today):
        form = missing.form.form + (f".{missing.form.panel}" if missing.form.panel else "")
        # A reminder already made (before a correction reset the visit) is not made again.
        reminded = Reminder.objects.filter(
            subject_id=OuterRef("subject_id"),
            kind=ReminderKind.FORM_MISSING,
            key__startswith=Concat(
                Value("form_missing:visit"),
                Cast(OuterRef("pk"), CharField()),
                Value(f".{form}:"),
            ),
        )
        visits = (
            missing.visits.exclude(Exists(reminded))
            .select_related("subject")
            .only(
                "id",
                "code",
                "name",
                "window_closes_on",
                "subject__id",
                "subject__site_id",
                "subject__subject_number",
                "subject__screening_number",
            )
        )
        for visit in visits.iterator(chunk_size=2000):
            result.considered += 1
            kind, day = rules.missing_form_reminder(window_closes=visit.window_closes_on)
            due = rules.at_local_hour(day, SETTINGS.send_hour, tz)
            number = visit.subject.subject_number or visit.subject.screening_number
            on = visit.subject if missing.kind.schedule_by == "subject" else visit
            for user in recipients.at(visit.subject.site_id, Role.COORDINATOR):
                yield _reminder(
                    kind,
                    f"visit{visit.pk}.{form}",
                    day,
                    user,
                    subject=visit.subject,
                    title=f"{ReminderKind(kind).label}: {number} {visit.code} {missing.name}",
                    body=(
                        f"{missing.name} of {visit.name} of subject {number} is expected by the "
                        f"schedule of assessments and not entered; the visit's window closed "
                        f"on {visit.window_closes_on}."
                    ),
                    url=missing.kind.matrix_url(on),
                    due_at=due,
                )


def _check_forms(seen: list["_SeenForms"], now: datetime) -> None:
    """Store that the scan read these visits' expected forms, unless a visit's row changed
    since the read (another row version: a record of it corrected or voided meanwhile, its
    window moved). Run before _advance_visits, which writes visits in the same transaction.
    One statement per thousand visits."""
    _update_from_values(
        """
        UPDATE trial_visit AS visit SET forms_checked_at = %s
        FROM (VALUES {rows}) AS seen(id, row_version)
        WHERE visit.id = seen.id AND visit.xmin::text = seen.row_version
          AND visit.forms_checked_at IS NULL
        """,
        "(%s, %s)",
        seen,
        now,
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
    """The open and answered queries whose stored moment (reminder_due_at) has come."""
    queries = Query.objects.filter(
        Q(reminder_due_at__isnull=True) | Q(reminder_due_at__lte=now),
        status__in=[QueryStatus.OPEN, QueryStatus.ANSWERED],
    ).select_related("subject", "raised_by")
    for query in queries.iterator(chunk_size=2000):
        result.considered += 1
        due = rules.query_reminder(raised_at=query.raised_at, settings=SETTINGS)
        result.queries_seen.append(
            _SeenQuery(
                query.pk,
                query.status,
                query.reminder_due_at,
                due if due > now else rules.NO_MORE_REMINDERS,
            )
        )
        if due > now:
            continue
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


def _advance_queries(seen: list["_SeenQuery"]) -> None:
    """As _advance_visits: unless the query's status or stored moment changed since read."""
    _update_from_values(
        """
        UPDATE review_query AS query SET reminder_due_at = seen.next_at
        FROM (VALUES {rows}) AS seen(id, status, read_at, next_at)
        WHERE query.id = seen.id
          AND query.status = seen.status
          AND query.reminder_due_at IS NOT DISTINCT FROM seen.read_at
        """,
        "(%s, %s, %s::timestamptz, %s::timestamptz)",
        seen,
    )


def _digests(now: datetime, recipients: _Recipients, result: ScanResult):
    local = timezone.localtime(now)
    if local.hour < SETTINGS.digest_hour:
        return
    today = local.date()
    # Once a day: the visits are counted only for coordinators without today's digest yet,
    # so the scans after it cost nothing whatever the study's size.
    waiting = {user.pk: (user, site_ids) for user, site_ids in recipients.coordinators()}
    sent = Reminder.objects.filter(
        key__in=[rules.reminder_key("daily_digest", "digest", today, pk) for pk in waiting]
    ).values_list("recipient_id", flat=True)
    for pk in sent:
        waiting.pop(pk, None)
    if not waiting:
        return
    # One grouped query for their sites, whatever the study's size.
    per_site = {
        row["subject__site_id"]: row
        for row in Visit.objects.filter(
            completed_on__isnull=True,
            not_applicable=False,
            missed_reason="",
            subject__voided_at__isnull=True,
            subject__site_id__in={site for _user, sites in waiting.values() for site in sites},
            window_opens_on__lte=today + timedelta(days=7),
        )
        .values("subject__site_id")
        .annotate(
            overdue=Count("id", filter=Q(window_closes_on__lt=today)),
            upcoming=Count("id", filter=Q(window_closes_on__gte=today)),
        )
    }
    for user, site_ids in waiting.values():
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


def _group(reminder: Reminder) -> tuple:
    """Reminders of one group are decided together: a ladder (followup.rules.LADDERS) per
    record and recipient; a standalone kind is its own group."""
    ladder = rules.ladder_of(reminder.kind)
    return (ladder or reminder.key, reminder.record_ref, reminder.recipient.pk)


def _decide(planned: list[Reminder]) -> tuple[list[Reminder], list[int]]:
    """Apply the supersede rule to what is due: (reminders to create, ids to supersede).

    One query reads every stored reminder of the planned groups, whatever their number.
    """
    groups: dict[tuple, list[Reminder]] = defaultdict(list)
    for reminder in planned:
        groups[_group(reminder)].append(reminder)
    candidate = {}  # stored key -> group
    for group, members in groups.items():
        ladder, record, recipient_id = group
        if isinstance(ladder, tuple):
            for kind in ladder:
                candidate[rules.reminder_key(kind, record, None, recipient_id)] = group
        else:
            candidate[members[0].key] = group
    stored: dict[tuple, dict[str, tuple[int, bool]]] = defaultdict(dict)
    rows = Reminder.objects.filter(key__in=list(candidate)).values_list(
        "id", "key", "kind", "sent_at", "claimed_at", "superseded_at"
    )
    for pk, key, kind, sent_at, claimed_at, superseded_at in rows:
        waiting = sent_at is None and claimed_at is None and superseded_at is None
        stored[candidate[key]][kind] = (pk, waiting)
    create, supersede = [], []
    for group, members in groups.items():
        by_kind = {r.kind: r for r in members}
        if not isinstance(group[0], tuple):
            if not stored[group]:
                create.append(members[0])
            continue
        decision = rules.reminder_decision(
            due=set(by_kind), stored={k: waiting for k, (_pk, waiting) in stored[group].items()}
        )
        if decision.create:
            create.append(by_kind[decision.create])
        supersede.extend(stored[group][kind][0] for kind in decision.supersede)
    return create, supersede


def _store(planned: list[Reminder], now: datetime) -> list[int]:
    """Create what the supersede rule keeps, supersede what it replaces; the ids created.

    Reminders are inserted with ON CONFLICT DO NOTHING, so a concurrent scan inserting the
    same key wins silently; superseding is a conditional update on reminders nobody claimed.
    """
    with transaction.atomic():
        fresh, superseded = _decide(planned)
        Reminder.objects.bulk_create(fresh, ignore_conflicts=True, batch_size=1000)
        if superseded:
            Reminder.objects.filter(
                pk__in=superseded,
                sent_at__isnull=True,
                claimed_at__isnull=True,
                superseded_at__isnull=True,
            ).update(superseded_at=now)
        return list(
            Reminder.objects.filter(
                key__in=[r.key for r in fresh],
                sent_at__isnull=True,
                claimed_at__isnull=True,
                superseded_at__isnull=True,
            ).values_list("id", flat=True)
        )


def plan(now: datetime) -> ScanResult:
    """What a scan at `now` would create, after the supersede rule (nothing written): used
    by the scan and the dry run."""
    result = ScanResult()
    recipients = _Recipients()
    due = []
    for source in (
        _visit_reminders,
        _missing_form_reminders,
        _sae_reminders,
        _query_reminders,
        _digests,
    ):
        due.extend(source(now, recipients, result))
    result.planned = _decide(due)[0] if due else []
    return result


def scan(now: datetime) -> ScanResult:
    """Create the reminders due at `now`; returns the ids of those this scan created. The
    visits it read are given their next moment (and their expected forms marked read) in the
    same transaction: a scan that fails leaves them due for the next one."""
    result = plan(now)
    with transaction.atomic():
        if result.planned:
            result.created = _store(result.planned, now)
        _check_forms(result.forms_seen, now)
        _advance_visits(result.visits_seen)
        _advance_queries(result.queries_seen)
    return result


def pending_ids(now: datetime) -> list[int]:
    """Reminders not yet sent (new, failed earlier, or claimed by a worker that died)."""
    return list(
        Reminder.objects.filter(sent_at__isnull=True, superseded_at__isnull=True, due_at__lte=now)
        .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - STALE_CLAIM))
        .values_list("id", flat=True)[:5000]
    )


def reminder_send(*, reminder_id: int, now: datetime) -> bool:
    """Send one reminder (email + in-app notification) unless someone else already did.

    Returns True when this call sent it. Claim first (conditional update), send, then mark
    sent and create the notification in one transaction.
    """
    claimed = (
        Reminder.objects.filter(pk=reminder_id, sent_at__isnull=True, superseded_at__isnull=True)
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
    """The immediate SAE alert: the SAE reminders of one AE due now, through the same rule
    as the scan (an SAE entered 30 hours after awareness alerts as overdue, once)."""
    ae = AdverseEvent.objects.select_related("subject", "term").get(pk=ae_id)
    if not ae.serious or ae.voided_at or ae.aware_at is None:
        return []
    recipients = _Recipients()
    result = ScanResult()
    planned = [
        r
        for r in _sae_reminders(max(now, ae.aware_at), recipients, result)
        if rules.ladder_of(r.kind) and r.record_ref == f"ae{ae.pk}"
    ]
    if not planned:
        return []
    _store(planned, now)
    keys = [rules.reminder_key(r.kind, r.record_ref, None, r.recipient.pk) for r in planned]
    return list(
        Reminder.objects.filter(
            key__in=keys, sent_at__isnull=True, superseded_at__isnull=True
        ).values_list("id", flat=True)
    )


QUERY_EVENT_KINDS = {
    QueryMessage.Kind.RAISED: ReminderKind.QUERY_RAISED,
    QueryMessage.Kind.ANSWERED: ReminderKind.QUERY_ANSWERED,
    QueryMessage.Kind.CLOSED: ReminderKind.QUERY_CLOSED,
    QueryMessage.Kind.REOPENED: ReminderKind.QUERY_REOPENED,
}
AUDIENCE_ROLES = {rules.SITE_COORDINATORS: Role.COORDINATOR, rules.SITE_MONITORS: Role.MONITOR}


def query_event_notify(*, message: QueryMessage, now: datetime) -> list[int]:
    """Notify who must act on a step of a query's thread (followup.rules.query_event_audience).

    Call inside the transaction that writes the message: the in-app notifications are
    created with it (shown at once) and the e-mails leave after commit, each once (the
    reminder's key names the message).
    """
    query = message.query
    audience = rules.query_event_audience(message.kind, raised_by_a_person=bool(query.raised_by_id))
    if audience is None:
        return []
    if audience == rules.RAISER:
        users = [query.raised_by]
    else:
        site = query.subject.site_id
        users = [
            m.user
            for m in Membership.objects.filter(
                Q(site_id=site) | Q(site__isnull=True),
                role=AUDIENCE_ROLES[audience],
                user__is_active=True,
            ).select_related("user")
        ]
    recipients = {u.pk: u for u in users if u is not None and u.pk != message.author_id}
    if not recipients:
        return []
    kind = QUERY_EVENT_KINDS[message.kind]
    subject = query.subject
    number = subject.subject_number or subject.screening_number
    by = str(message.author) if message.author_id else "the edit check"
    planned = [
        _reminder(
            kind,
            f"query{query.pk}m{message.pk}",
            now,
            user,
            subject=subject,
            title=f"{ReminderKind(kind).label} by {by}: {number}",
            body=(message.text or query.text)[:500],
            url=reverse("query_detail", args=[query.pk]),
        )
        for user in recipients.values()
    ]
    Reminder.objects.bulk_create(planned, ignore_conflicts=True)
    stored = list(Reminder.objects.filter(key__in=[r.key for r in planned], sent_at__isnull=True))
    Notification.objects.bulk_create(
        [
            Notification(user_id=r.recipient_id, reminder=r, title=r.title, body=r.body, url=r.url)
            for r in stored
        ],
        ignore_conflicts=True,
    )
    ids = [r.pk for r in stored]
    if ids:
        from followup.tasks import send_reminder

        transaction.on_commit(lambda: [send_reminder.delay(pk) for pk in ids])
    return ids


def notification_open(*, user: User, notification_id: int, now: datetime) -> Notification:
    """The user opens one of their notifications: it is read from now on."""
    notification = Notification.objects.get(pk=notification_id, user=user)
    if notification.read_at is None:
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=now)
    return notification


def notifications_mark_read(*, user: User, ids: list[int] | None, now: datetime) -> int:
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    return unread.update(read_at=now)


def audit_alert(*, problem: str, now: datetime) -> list[int]:
    """The daily check of the audit trail found `problem`: one reminder (email and in-app
    notification) per active administrator and day; returns the ids to send."""
    admins = (
        User.objects.filter(is_active=True)
        .filter(Q(is_superuser=True) | Q(memberships__role=Role.ADMIN))
        .distinct()
    )
    today = timezone.localtime(now).date()
    planned = [
        _reminder(
            ReminderKind.AUDIT_CHAIN_BROKEN,
            "audit",
            today,
            user,
            title="Audit trail: the hash chain is broken",
            body=(
                f"The daily check of the audit trail (manage.py audit_verify) failed: {problem}. "
                "Someone with the database owner's or a superuser's rights changed the trail "
                "outside the application; see docs/operations.md, 'Audit trail verification'."
            ),
            due_at=now,
        )
        for user in admins
    ]
    return _store(planned, now)
