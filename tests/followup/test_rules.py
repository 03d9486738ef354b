"""When reminders fall due: pure, no database."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

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


def test_reminder_key_of_a_ladder_kind_is_once_per_record_and_recipient():
    base = rules.reminder_key("visit_overdue", "visit1", date(2026, 12, 15), 7)
    assert base == "visit_overdue:visit1:u7"
    # Another due date of the same kind is the same reminder: "window opens soon" once.
    assert rules.reminder_key("visit_upcoming", "visit1", date(2026, 12, 3), 7) == (
        rules.reminder_key("visit_upcoming", "visit1", date(2026, 12, 9), 7)
    )
    others = {
        rules.reminder_key("visit_upcoming", "visit1", date(2026, 12, 15), 7),
        rules.reminder_key("visit_overdue", "visit2", date(2026, 12, 15), 7),
        rules.reminder_key("visit_overdue", "visit1", date(2026, 12, 15), 8),
    }
    assert base not in others and len(others) == 3


def test_reminder_key_of_a_standalone_kind_keeps_its_due_minute():
    at = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)
    assert rules.reminder_key("susar_due", "ae3", at, 2) == "susar_due:ae3:20261120T1530:u2"
    assert rules.reminder_key("daily_digest", "digest", date(2026, 12, 1), 2) == (
        "daily_digest:digest:2026-12-01:u2"
    )


# The supersede rule: (due now, stored {kind: still waiting to go out}) -> (create, supersede)
UP, CLOSING, OVERDUE = "visit_upcoming", "visit_window_closing", "visit_overdue"
NEW, H12, SAE_LATE = "sae_new", "sae_12h_left", "sae_overdue"


@pytest.mark.parametrize(
    ("due", "stored", "create", "supersede"),
    [
        # nothing due, nothing stored
        (set(), {}, None, set()),
        # the first state, once
        ({UP}, {}, UP, set()),
        ({UP}, {UP: True}, None, set()),
        ({UP}, {UP: False}, None, set()),
        # a scan that ran late: only the latest state due is created
        ({UP, CLOSING}, {}, CLOSING, set()),
        ({UP, CLOSING, OVERDUE}, {}, OVERDUE, set()),
        ({NEW, H12, SAE_LATE}, {}, SAE_LATE, set()),
        ({H12, SAE_LATE}, {}, SAE_LATE, set()),
        # a later state supersedes an earlier one that has not gone out yet
        ({UP, CLOSING}, {UP: True}, CLOSING, {UP}),
        ({H12, SAE_LATE}, {NEW: False, H12: True}, SAE_LATE, {H12}),
        ({NEW, H12, SAE_LATE}, {NEW: True, H12: True}, SAE_LATE, {NEW, H12}),
        # ... but what went out stays: the next state is simply sent after it
        ({UP, CLOSING}, {UP: False}, CLOSING, set()),
        ({NEW, H12}, {NEW: False}, H12, set()),
        # a state already stored is never created again, nor an earlier one after it
        ({UP, CLOSING, OVERDUE}, {OVERDUE: False}, None, set()),
        ({UP}, {CLOSING: False}, None, set()),
        ({NEW}, {SAE_LATE: True}, None, set()),
        # the latest state stored and waiting still supersedes an earlier waiting one
        ({UP, CLOSING}, {UP: True, CLOSING: True}, None, {UP}),
    ],
)
def test_one_reminder_per_record_kind_and_recipient_the_latest_state_wins(
    due, stored, create, supersede
):
    decision = rules.reminder_decision(due=due, stored=stored)
    assert decision.create == create
    assert decision.supersede == frozenset(supersede)


def test_reminder_decision_refuses_kinds_of_two_ladders():
    with pytest.raises(ValueError, match="more than one ladder"):
        rules.reminder_decision(due={UP, NEW}, stored={})
    with pytest.raises(ValueError, match="more than one ladder"):
        rules.reminder_decision(due={"query_open"}, stored={})


@pytest.mark.parametrize(
    ("kind", "ladder"),
    [
        (UP, (UP, CLOSING, OVERDUE)),
        (OVERDUE, (UP, CLOSING, OVERDUE)),
        (H12, (NEW, H12, SAE_LATE)),
        ("susar_due", None),
        ("query_open", None),
        ("daily_digest", None),
    ],
)
def test_ladder_of_each_kind(kind, ladder):
    assert rules.ladder_of(kind) == ladder


# A visit's stored moment (Visit.reminder_due_at): what is due now and when to look again.
# Window 10 to 14 December 2026, lead days 7 and 1, send hour 08:00 UTC here.
def _at(day, hour=8, minute=0):
    return datetime(2026, 12, day, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize(
    "now, due, next_at",
    [
        (_at(1), [], _at(3)),  # before the first lead day
        (_at(3, 7, 59), [], _at(3)),  # the lead day before the send hour
        (_at(3), ["visit_upcoming"], _at(9)),  # at the send hour
        (_at(9, 12), ["visit_upcoming", "visit_upcoming"], _at(14)),
        (_at(14, 7, 59), ["visit_upcoming", "visit_upcoming"], _at(14)),
        (_at(14), ["visit_upcoming", "visit_upcoming", "visit_window_closing"], _at(15)),
        (_at(15), ["visit_upcoming"] * 2 + ["visit_window_closing", "visit_overdue"], None),
    ],
)
def test_visit_reminders_at_gives_what_is_due_and_the_next_moment(now, due, next_at):
    result = rules.visit_reminders_at(
        window_opens=date(2026, 12, 10),
        window_closes=date(2026, 12, 14),
        now=now,
        settings=SETTINGS,
        tz=UTC,
    )
    assert [kind for kind, _day, _moment in result.due] == due
    assert all(moment <= now for _kind, _day, moment in result.due)
    assert result.next_at == (next_at or rules.NO_MORE_REMINDERS)


@pytest.mark.parametrize("closed_days_ago, reminded", [(30, True), (31, False)])
def test_a_visit_closed_longer_ago_than_the_look_back_is_left_to_the_digest(
    closed_days_ago, reminded
):
    now = _at(20)
    closes = now.date() - timedelta(days=closed_days_ago)
    result = rules.visit_reminders_at(
        window_opens=closes - timedelta(days=4),
        window_closes=closes,
        now=now,
        settings=SETTINGS,
        tz=UTC,
    )
    assert bool(result.due) is reminded
    assert result.next_at == rules.NO_MORE_REMINDERS


@pytest.mark.parametrize(
    ("closes", "due"),
    [(date(2026, 3, 10), date(2026, 3, 11)), (date(2026, 12, 31), date(2027, 1, 1))],
)
def test_a_missing_form_is_reminded_of_the_day_after_its_visit_s_window(closes, due):
    assert rules.missing_form_reminder(window_closes=closes) == ("form_missing", due)


@pytest.mark.parametrize(
    ("local_time", "through"),
    [
        # Before the send hour (08:00) the reminders of yesterday's closings are not due yet.
        ((2026, 3, 11, 0, 0), date(2026, 3, 9)),
        ((2026, 3, 11, 7, 59, 59), date(2026, 3, 9)),
        ((2026, 3, 11, 8, 0), date(2026, 3, 10)),
        ((2026, 3, 11, 23, 59), date(2026, 3, 10)),
        ((2027, 1, 1, 8, 0), date(2026, 12, 31)),
    ],
)
def test_missing_form_reminders_are_due_through_yesterday_from_the_send_hour(local_time, through):
    paris = ZoneInfo("Europe/Paris")
    now = datetime(*local_time, tzinfo=paris).astimezone(UTC)  # the scan's moment, in UTC
    assert rules.missing_forms_due_through(now=now, settings=SETTINGS, tz=paris) == through
    closes, day = through, rules.missing_form_reminder(window_closes=through)[1]
    assert rules.at_local_hour(day, SETTINGS.send_hour, paris) <= now  # due
    later = rules.missing_form_reminder(window_closes=closes + timedelta(days=1))[1]
    assert rules.at_local_hour(later, SETTINGS.send_hour, paris) > now  # not yet
