"""When reminders fall due: pure functions of a record's dates and the study's settings.

No ORM and no clock: the scan passes `today`/`now`. Each function returns (kind, due) pairs;
the scan creates the reminders whose due time has come and whose condition still holds.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

# Regulatory SAE clock points (ICH E2A): at awareness, 12 hours left, deadline passed.
SAE_DUE_SOON_AFTER = timedelta(hours=12)
SAE_DEADLINE_AFTER = timedelta(hours=24)


@dataclass(frozen=True)
class ReminderSettings:
    upcoming_lead_days: tuple[int, ...] = (7, 1)  # before the window opens
    query_open_days: int = 7
    digest_hour: int = 7  # local time of the daily digest
    send_hour: int = 8  # local time visit reminders go out on their day
    overdue_lookback_days: int = 30  # overdue visits older than this are left to the digest


def visit_reminders(
    *, window_opens: date, window_closes: date, settings: ReminderSettings
) -> list[tuple[str, date]]:
    """Upcoming (lead days before the window opens), window closing (its last day) and
    overdue (the day after it closed)."""
    due = [
        ("visit_upcoming", window_opens - timedelta(days=lead))
        for lead in sorted(set(settings.upcoming_lead_days), reverse=True)
        if lead > 0
    ]
    if window_closes > window_opens:
        due.append(("visit_window_closing", window_closes))
    due.append(("visit_overdue", window_closes + timedelta(days=1)))
    return due


def missing_form_reminder(*, window_closes: date) -> tuple[str, date]:
    """An expected form still missing is reminded of the day after its visit's window closed
    (trial.assessments.forms_owed: owed from that day even if the visit was not performed)."""
    return ("form_missing", window_closes + timedelta(days=1))


def missing_forms_due_through(*, now: datetime, settings: ReminderSettings, tz: tzinfo) -> date:
    """The last window-closing day whose missing-form reminders are due at `now`: yesterday
    from the send hour on, the day before until then (missing_form_reminder)."""
    local = now.astimezone(tz)
    through = local.date() - timedelta(days=1)
    if local < at_local_hour(local.date(), settings.send_hour, tz):
        through -= timedelta(days=1)
    return through


def at_local_hour(day: date, hour: int, tz: tzinfo) -> datetime:
    """The moment `day` reaches `hour` o'clock in the study's time zone."""
    return datetime.combine(day, time(hour), tzinfo=tz)


# Stored as a visit's reminder_due_at once none of its reminders is left to come.
NO_MORE_REMINDERS = datetime(9999, 12, 31, tzinfo=UTC)


@dataclass(frozen=True)
class VisitReminders:
    due: list[tuple[str, date, datetime]]  # (kind, day, moment) whose moment has come
    next_at: datetime  # when the scan must look at the visit again


def visit_reminders_at(
    *,
    window_opens: date,
    window_closes: date,
    now: datetime,
    settings: ReminderSettings,
    tz: tzinfo,
) -> VisitReminders:
    """The reminders of an open visit due at `now` (each on its day at the send hour) and the
    moment of the next one. A visit whose window closed more than the look-back ago gets
    none (the daily digest still counts it) and is never looked at again."""
    if window_closes < now.astimezone(tz).date() - timedelta(days=settings.overdue_lookback_days):
        return VisitReminders([], NO_MORE_REMINDERS)
    moments = [
        (kind, day, at_local_hour(day, settings.send_hour, tz))
        for kind, day in visit_reminders(
            window_opens=window_opens, window_closes=window_closes, settings=settings
        )
    ]
    later = [moment for _kind, _day, moment in moments if moment > now]
    return VisitReminders(
        [m for m in moments if m[2] <= now], min(later) if later else NO_MORE_REMINDERS
    )


def sae_reminders(*, aware_at: datetime) -> list[tuple[str, datetime]]:
    """New SAE at awareness, 12 hours left, and the 24-hour deadline passed."""
    if aware_at.tzinfo is None:
        raise ValueError("aware_at must be timezone-aware")
    return [
        ("sae_new", aware_at),
        ("sae_12h_left", aware_at + SAE_DUE_SOON_AFTER),
        ("sae_overdue", aware_at + SAE_DEADLINE_AFTER),
    ]


def query_reminder(*, raised_at: datetime, settings: ReminderSettings) -> datetime:
    return raised_at + timedelta(days=settings.query_open_days)


# Who hears of each step of a query's thread (followup.services.query_event_notify): the
# site must answer what is raised or re-opened and hears that it was closed; whoever raised
# it must close what is answered (the site's monitors, for an edit check's query).
SITE_COORDINATORS = "site_coordinators"
RAISER = "raiser"
SITE_MONITORS = "site_monitors"
QUERY_EVENT_AUDIENCE = {
    "raised": SITE_COORDINATORS,
    "answered": RAISER,
    "closed": SITE_COORDINATORS,
    "reopened": SITE_COORDINATORS,
}


def query_event_audience(event: str, *, raised_by_a_person: bool) -> str | None:
    """Who is notified of a query event ("raised", "answered", "closed", "reopened"), or None
    (a comment notifies nobody; an edit check's query is shown on the form that raised it)."""
    audience = QUERY_EVENT_AUDIENCE.get(event)
    if event == "raised" and not raised_by_a_person:
        return None
    if audience == RAISER and not raised_by_a_person:
        return SITE_MONITORS
    return audience


def visit_reminder_applies(
    kind: str, *, completed: bool, missed_recorded: bool, not_applicable: bool
) -> bool:
    """A visit reminder is moot once the visit is done, recorded missed or not applicable."""
    return not (completed or missed_recorded or not_applicable)


# The states a record moves through, earliest first. One reminder per record, kind and
# recipient; of the states due at once only the latest is sent, and it supersedes an earlier
# one still waiting to go out ("due in 12 hours" never arrives together with "overdue").
LADDERS = (
    ("visit_upcoming", "visit_window_closing", "visit_overdue"),
    ("sae_new", "sae_12h_left", "sae_overdue"),
)
_STAGE = {kind: (n, i) for n, ladder in enumerate(LADDERS) for i, kind in enumerate(ladder)}


def ladder_of(kind: str) -> tuple[str, ...] | None:
    """The ladder a kind of reminder climbs, or None for kinds that stand alone."""
    stage = _STAGE.get(kind)
    return LADDERS[stage[0]] if stage else None


@dataclass(frozen=True)
class ReminderDecision:
    create: str | None  # the kind to create now, if any
    supersede: frozenset[str]  # stored kinds not gone out yet that the latest state replaces


def reminder_decision(*, due: set[str], stored: dict[str, bool]) -> ReminderDecision:
    """What to do for one record and one recipient on one ladder.

    `due`: the kinds whose time has come and whose condition still holds. `stored`: the kinds
    already stored for this record and recipient, each with True while it waits to go out
    (not sent, not claimed by a sender, not superseded). A kind stored is never created again;
    only the latest state due is created, and never one earlier than a state already stored;
    a waiting reminder of an earlier state than the latest (due or stored) is superseded.
    """
    kinds = set(due) | set(stored)
    if not kinds:
        return ReminderDecision(None, frozenset())
    ladders = {_STAGE[k][0] for k in kinds if k in _STAGE}
    if len(ladders) != 1 or any(k not in _STAGE for k in kinds):
        raise ValueError(f"kinds of more than one ladder: {sorted(kinds)}")
    latest = max(kinds, key=lambda k: _STAGE[k][1])
    create = latest if latest in due and latest not in stored else None
    supersede = frozenset(
        kind for kind, waiting in stored.items() if waiting and _STAGE[kind][1] < _STAGE[latest][1]
    )
    return ReminderDecision(create, supersede)


def reminder_key(kind: str, record: str, due: date | datetime, recipient_id: int) -> str:
    """The unique key of one reminder to one person: the same thing is never sent twice.

    Kinds on a ladder are once per record and recipient (no date in the key); the others
    (open query, SUSAR, daily digest) once per due date.
    """
    if ladder_of(kind):
        return f"{kind}:{record}:u{recipient_id}"
    stamp = (
        due.isoformat()
        if isinstance(due, date) and not isinstance(due, datetime)
        else (due.strftime("%Y%m%dT%H%M"))
    )
    return f"{kind}:{record}:{stamp}:u{recipient_id}"
