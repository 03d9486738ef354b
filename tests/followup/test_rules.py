"""When reminders fall due: pure, no database."""

from datetime import UTC, date, datetime, timedelta

import pytest

from followup import rules

SETTINGS = rules.ReminderSettings(upcoming_lead_days=(7, 1))


def test_visit_reminders_fall_on_lead_days_last_window_day_and_the_day_after():
    due = rules.visit_reminders(
        window_opens=date(2026, 12, 10), window_closes=date(2026, 12, 14), settings=SETTINGS
    )
    assert due == [
        ("visit_upcoming", date(2026, 12, 3)),
        ("visit_upcoming", date(2026, 12, 9)),
        ("visit_window_closing", date(2026, 12, 14)),
        ("visit_overdue", date(2026, 12, 15)),
    ]


def test_zero_day_window_has_no_separate_closing_reminder():
    due = rules.visit_reminders(
        window_opens=date(2026, 12, 10), window_closes=date(2026, 12, 10), settings=SETTINGS
    )
    assert [k for k, _ in due] == ["visit_upcoming", "visit_upcoming", "visit_overdue"]
    assert due[-1] == ("visit_overdue", date(2026, 12, 11))


def test_sae_reminders_at_awareness_12_hours_and_24_hours():
    aware = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)
    assert rules.sae_reminders(aware_at=aware) == [
        ("sae_new", aware),
        ("sae_12h_left", aware + timedelta(hours=12)),
        ("sae_overdue", aware + timedelta(hours=24)),
    ]


def test_sae_reminders_refuse_a_naive_awareness_time():
    with pytest.raises(ValueError, match="timezone-aware"):
        rules.sae_reminders(aware_at=datetime(2026, 11, 20, 15, 30))  # noqa: DTZ001


def test_query_reminder_after_the_configured_days():
    raised = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
    settings = rules.ReminderSettings(query_open_days=5)
    assert rules.query_reminder(raised_at=raised, settings=settings) == raised + timedelta(days=5)


@pytest.mark.parametrize(
    ("completed", "missed", "not_applicable", "applies"),
    [
        (False, False, False, True),
        (True, False, False, False),
        (False, True, False, False),
        (False, False, True, False),
    ],
)
def test_visit_reminder_is_moot_once_done_missed_or_not_applicable(
    completed, missed, not_applicable, applies
):
    assert (
        rules.visit_reminder_applies(
            "visit_overdue",
            completed=completed,
            missed_recorded=missed,
            not_applicable=not_applicable,
        )
        is applies
    )


def test_reminder_key_differs_by_kind_record_due_and_recipient():
    base = rules.reminder_key("visit_overdue", "visit1", date(2026, 12, 15), 7)
    assert base == "visit_overdue:visit1:2026-12-15:u7"
    others = {
        rules.reminder_key("visit_upcoming", "visit1", date(2026, 12, 15), 7),
        rules.reminder_key("visit_overdue", "visit2", date(2026, 12, 15), 7),
        rules.reminder_key("visit_overdue", "visit1", date(2026, 12, 16), 7),
        rules.reminder_key("visit_overdue", "visit1", date(2026, 12, 15), 8),
    }
    assert base not in others and len(others) == 4


def test_reminder_key_of_a_datetime_keeps_the_minute():
    at = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)
    assert rules.reminder_key("sae_new", "ae3", at, 2) == "sae_new:ae3:20261120T1530:u2"
