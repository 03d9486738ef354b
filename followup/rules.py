"""When reminders fall due: pure functions of a record's dates and the study's settings.

No ORM and no clock: the scan passes `today`/`now`. Each function returns (kind, due) pairs;
the scan creates the reminders whose due time has come and whose condition still holds.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

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


def at_local_hour(day: date, hour: int, tz: tzinfo) -> datetime:
    """The moment `day` reaches `hour` o'clock in the study's time zone."""
    return datetime.combine(day, time(hour), tzinfo=tz)


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


def visit_reminder_applies(
    kind: str, *, completed: bool, missed_recorded: bool, not_applicable: bool
) -> bool:
    """A visit reminder is moot once the visit is done, recorded missed or not applicable."""
    return not (completed or missed_recorded or not_applicable)


def reminder_key(kind: str, record: str, due: date | datetime, recipient_id: int) -> str:
    """The unique key of one reminder to one person: the same thing is never sent twice."""
    stamp = (
        due.isoformat()
        if isinstance(due, date) and not isinstance(due, datetime)
        else (due.strftime("%Y%m%dT%H%M"))
    )
    return f"{kind}:{record}:{stamp}:u{recipient_id}"
