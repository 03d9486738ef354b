"""Reminders are created once and sent once, whatever re-runs, retries or concurrency."""

import threading
from dataclasses import replace
from datetime import datetime, time, timedelta

import pytest
from django.apps import apps
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from adverse_events.services import ae_update
from followup import rules, services
from followup.models import Notification, Reminder
from labs.services import lab_result_void
from tests.adverse_events.factories import load_starter_dictionary, record_ae, serious_values
from tests.dosing.factories import dosed_subject, visit_of
from tests.labs.factories import add_ranges, record_result
from trial.models import Visit

pytestmark = pytest.mark.django_db
SERIOUS = {"grade": 3, "serious": True, "serious_criteria": ["hospitalisation"]}


def local(day, hour=12):
    return datetime.combine(day, time(hour), tzinfo=timezone.get_current_timezone())


@pytest.fixture
def subject(study, site_a, coordinator_a, investigator_a):
    coordinator_a.email = "coord@example.org"
    coordinator_a.save(update_fields=["email"])
    return dosed_subject(study, site_a, coordinator_a, investigator_a)


def test_overdue_visit_is_reminded_to_the_site_coordinators_once(
    subject, coordinator_a, coordinator_b
):
    c1d8 = visit_of(subject, "C1D8")
    after = local(c1d8.window_closes_on + timedelta(days=1), 9)
    first = services.scan(after)
    keys = set(Reminder.objects.values_list("key", flat=True))
    assert f"visit_overdue:visit{c1d8.pk}:u{coordinator_a.pk}" in keys
    assert not Reminder.objects.filter(recipient=coordinator_b).exists()
    again = services.scan(after)
    assert first.created and not again.created
    assert Reminder.objects.count() == len(keys)


def test_nothing_is_due_before_the_send_hour_of_the_day(subject):
    c1d8 = visit_of(subject, "C1D8")
    lead_day = c1d8.window_opens_on - timedelta(days=7)
    services.scan(local(lead_day, 7))
    assert not Reminder.objects.filter(key__contains=f"visit{c1d8.pk}").exists()
    services.scan(local(lead_day, 8))
    assert Reminder.objects.filter(key__startswith=f"visit_upcoming:visit{c1d8.pk}:").exists()


def test_completed_visit_is_not_reminded(subject):
    c1d8 = visit_of(subject, "C1D8")
    c1d8.completed_on = c1d8.target_date
    c1d8.save(update_fields=["completed_on"])
    services.scan(local(c1d8.window_closes_on + timedelta(days=2)))
    assert not Reminder.objects.filter(key__contains=f"visit{c1d8.pk}:").exists()


def test_retried_send_sends_one_email(subject, mailoutbox):
    c1d8 = visit_of(subject, "C1D8")
    now = local(c1d8.window_closes_on + timedelta(days=1), 9)
    services.scan(now)
    reminder = Reminder.objects.filter(kind="visit_overdue").first()
    assert services.reminder_send(reminder_id=reminder.pk, now=now) is True
    assert services.reminder_send(reminder_id=reminder.pk, now=now) is False
    assert len(mailoutbox) == 1
    assert Notification.objects.filter(reminder=reminder).count() == 1


def test_failed_send_is_released_for_retry_and_recorded(subject, monkeypatch, mailoutbox):
    c1d8 = visit_of(subject, "C1D8")
    now = local(c1d8.window_closes_on + timedelta(days=1), 9)
    services.scan(now)
    reminder = Reminder.objects.filter(kind="visit_overdue").first()

    def refuse(**kwargs):
        raise ConnectionRefusedError("SMTP down")

    monkeypatch.setattr(services, "send_mail", refuse)
    with pytest.raises(ConnectionRefusedError):
        services.reminder_send(reminder_id=reminder.pk, now=now)
    reminder.refresh_from_db()
    assert (reminder.sent_at, reminder.claimed_at, reminder.attempts) == (None, None, 1)
    assert "SMTP down" in reminder.last_error
    monkeypatch.undo()
    assert services.reminder_send(reminder_id=reminder.pk, now=now) is True
    assert len(mailoutbox) == 1


def test_claim_of_a_dead_worker_is_taken_over_after_15_minutes(subject, mailoutbox):
    c1d8 = visit_of(subject, "C1D8")
    now = local(c1d8.window_closes_on + timedelta(days=1), 9)
    services.scan(now)
    reminder = Reminder.objects.filter(kind="visit_overdue").first()
    Reminder.objects.filter(pk=reminder.pk).update(claimed_at=now)
    assert services.reminder_send(reminder_id=reminder.pk, now=now + timedelta(minutes=14)) is False
    assert services.reminder_send(reminder_id=reminder.pk, now=now + timedelta(minutes=16))


def test_a_missing_expected_form_is_reminded_the_day_after_the_window_once(
    subject, site_a, coordinator_a, coordinator_b
):
    c1d8 = visit_of(subject, "C1D8")
    add_ranges(site_a, coordinator_a)
    record_result(subject, coordinator_a)  # ALT: the chemistry panel is entered
    missing = Reminder.objects.filter(kind="form_missing", key__contains=f"visit{c1d8.pk}.")

    services.scan(local(c1d8.window_closes_on, 9))  # the window's last day: still time
    assert not missing.exists()
    services.scan(local(c1d8.window_closes_on + timedelta(days=1), 7))  # before the send hour
    assert not missing.exists()
    after = local(c1d8.window_closes_on + timedelta(days=1), 9)
    assert form_reads(after) >= 1
    services.scan(after)
    number = subject.subject_number
    # The haematology panel and the vital signs are owed; the chemistry panel was entered.
    assert sorted((r.title, r.url) for r in missing) == [
        (
            f"Expected form missing: {number} C1D8 Haematology",
            reverse("visit_labs", args=[c1d8.pk]),
        ),
        (
            f"Expected form missing: {number} C1D8 Vital signs",
            reverse("visit_vitals", args=[c1d8.pk]),
        ),
    ]
    assert {r.recipient for r in missing} == {coordinator_a}  # the site's coordinators only
    assert not services.scan(after).created
    assert missing.count() == 2
    # Once reminded, a visit is not read again by the scans that follow (every few minutes).
    assert form_reads(after + timedelta(hours=1)) == 0


def test_a_scan_marks_the_visits_whose_forms_it_read_once_their_reminders_were_due(subject):
    c1d8 = visit_of(subject, "C1D8")
    services.scan(local(c1d8.window_closes_on + timedelta(days=1), 7))  # before the send hour
    assert visit_of(subject, "C1D8").forms_checked_at is None
    after = local(c1d8.window_closes_on + timedelta(days=1), 9)
    VisitEvent = apps.get_model("trial", "VisitEvent")  # noqa: N806 (pghistory's model)
    events = VisitEvent.objects.count()
    services.scan(after)
    assert visit_of(subject, "C1D8").forms_checked_at == after
    assert VisitEvent.objects.count() == events  # the scan's bookkeeping is not audited
    assert visit_of(subject, "C1D15").forms_checked_at is None  # its window is still open


def test_a_record_voided_after_the_scan_read_its_visit_is_reminded_at_the_next_scan(
    subject, site_a, coordinator_a
):
    c1d8 = visit_of(subject, "C1D8")
    add_ranges(site_a, coordinator_a)
    alt = record_result(subject, coordinator_a)  # the chemistry panel is entered
    after = local(c1d8.window_closes_on + timedelta(days=1), 9)
    services.scan(after)
    chemistry = Reminder.objects.filter(key__startswith=f"form_missing:visit{c1d8.pk}.labs")
    assert not chemistry.filter(title__endswith="Chemistry").exists()
    lab_result_void(
        record=alt, by=coordinator_a, reason="Wrong subject", expected_version=1, now=after
    )
    assert visit_of(subject, "C1D8").forms_checked_at is None
    later = after + timedelta(minutes=5)
    assert form_reads(later) >= 1
    services.scan(later)
    assert chemistry.filter(title__endswith="Chemistry").count() == 1
    assert form_reads(later + timedelta(minutes=5)) == 0


def test_a_record_voided_while_the_scan_runs_leaves_its_visit_to_be_read_again(
    subject, site_a, coordinator_a, monkeypatch
):
    c1d8, c1d15 = visit_of(subject, "C1D8"), visit_of(subject, "C1D15")
    add_ranges(site_a, coordinator_a)
    alt = record_result(subject, coordinator_a)  # at C1D8
    planned = services.plan

    def plan_then_void(now):
        result = planned(now)  # C1D8's chemistry read as entered
        lab_result_void(
            record=alt, by=coordinator_a, reason="Wrong subject", expected_version=1, now=now
        )
        return result

    monkeypatch.setattr(services, "plan", plan_then_void)
    after = local(c1d15.window_closes_on + timedelta(days=1), 9)
    result = services.scan(after)
    assert {c1d8.pk, c1d15.pk} <= {seen.id for seen in result.forms_seen}
    assert visit_of(subject, "C1D8").forms_checked_at is None  # read again at the next scan
    assert visit_of(subject, "C1D15").forms_checked_at == after


def test_a_window_moved_after_the_scan_read_its_forms_is_read_again(subject):
    c1d8 = visit_of(subject, "C1D8")
    services.scan(local(c1d8.window_closes_on + timedelta(days=1), 9))
    c1d8.refresh_from_db()
    c1d8.save(update_fields=c1d8.move_window(_moved_later(c1d8)))
    assert visit_of(subject, "C1D8").forms_checked_at is None


def form_reads(now) -> int:
    """How many visits the missing-form source of a scan at `now` reads."""
    result = services.ScanResult()
    list(services._missing_form_reminders(now, services._Recipients(), result))
    return result.considered


def test_a_form_the_schedule_does_not_expect_is_never_reminded(subject):
    c1d2 = visit_of(subject, "C1D2")  # the schedule expects the vital signs only at C1D2
    services.scan(local(c1d2.window_closes_on + timedelta(days=1), 9))
    reminded = Reminder.objects.filter(kind="form_missing", key__contains=f"visit{c1d2.pk}.")
    assert [r.title.rsplit(" C1D2 ", 1)[1] for r in reminded] == ["Vital signs"]


def test_sae_alert_is_queued_only_after_commit(
    subject, coordinator_a, django_capture_on_commit_callbacks
):
    load_starter_dictionary()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        record_ae(subject, coordinator_a, **SERIOUS)
    assert len(callbacks) == 1
    assert not Reminder.objects.exists()


def test_sae_alert_goes_to_investigator_and_sponsor_safety_once(
    subject, coordinator_a, investigator_a, make_user, settings
):
    load_starter_dictionary()
    safety = make_user("safety", "sponsor_safety", None)
    ae = record_ae(subject, coordinator_a, **SERIOUS)
    first = services.sae_alert_now(ae_id=ae.pk, now=ae.aware_at)
    again = services.sae_alert_now(ae_id=ae.pk, now=ae.aware_at)
    recipients = set(Reminder.objects.filter(kind="sae_new").values_list("recipient", flat=True))
    assert recipients == {investigator_a.pk, safety.pk}
    assert len(first) == 2 and set(again) == set(first)
    assert Reminder.objects.filter(kind="sae_new").count() == 2


def test_sae_12h_and_overdue_reminders_until_the_report_is_signed(
    subject, coordinator_a, investigator_a
):
    load_starter_dictionary()
    ae = record_ae(subject, coordinator_a, **SERIOUS)
    services.scan(ae.aware_at + timedelta(hours=11, minutes=59))
    assert not Reminder.objects.filter(kind="sae_12h_left").exists()
    services.scan(ae.aware_at + timedelta(hours=12))
    assert Reminder.objects.filter(kind="sae_12h_left", recipient=investigator_a).exists()
    from adverse_events.models import AdverseEvent

    AdverseEvent.objects.filter(pk=ae.pk).update(sae_reported_at=ae.aware_at)
    services.scan(ae.aware_at + timedelta(hours=25))
    assert not Reminder.objects.filter(kind="sae_overdue").exists()


def test_making_an_ae_serious_on_edit_queues_the_alert(
    subject, coordinator_a, django_capture_on_commit_callbacks
):
    load_starter_dictionary()
    ae = record_ae(subject, coordinator_a)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        ae_update(
            ae=ae,
            by=coordinator_a,
            values=serious_values(),
            reason="Hospitalised",
            expected_version=ae.version,
            now=ae.recorded_at + timedelta(hours=1),
        )
    assert len(callbacks) == 1


def test_daily_digest_once_per_coordinator_per_day(subject, coordinator_a):
    c1d8 = visit_of(subject, "C1D8")
    day = c1d8.window_opens_on
    services.scan(local(day, 6))
    assert not Reminder.objects.filter(kind="daily_digest").exists()
    services.scan(local(day, 7))
    services.scan(local(day, 18))
    assert Reminder.objects.filter(kind="daily_digest", recipient=coordinator_a).count() == 1


def test_dry_run_plan_writes_nothing(subject):
    c1d8 = visit_of(subject, "C1D8")
    result = services.plan(local(c1d8.window_closes_on + timedelta(days=1), 9))
    assert any(r.kind == "visit_overdue" for r in result.planned)
    assert not Reminder.objects.exists()
    assert not Visit.objects.filter(reminder_due_at__isnull=False).exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_scans_create_each_reminder_once(subject):
    c1d8 = visit_of(subject, "C1D8")
    now = local(c1d8.window_closes_on + timedelta(days=1), 9)
    expected = len(services.plan(now).planned)
    barrier = threading.Barrier(3)
    errors = []

    def run():
        try:
            barrier.wait(timeout=10)
            services.scan(now)
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert Reminder.objects.count() == expected


@pytest.mark.django_db(transaction=True)
def test_concurrent_senders_send_once(subject, mailoutbox):
    c1d8 = visit_of(subject, "C1D8")
    now = local(c1d8.window_closes_on + timedelta(days=1), 9)
    services.scan(now)
    reminder_id = Reminder.objects.filter(kind="visit_overdue").values_list("id", flat=True)[0]
    results = []
    barrier = threading.Barrier(4)

    def run():
        barrier.wait(timeout=10)
        results.append(services.reminder_send(reminder_id=reminder_id, now=now))
        connection.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(results) == [False, False, False, True]
    assert len(mailoutbox) == 1


# One reminder per visit (or SAE), kind and recipient; a later state supersedes an earlier one
# that has not gone out yet (followup.rules.reminder_decision).


def test_window_opens_soon_is_sent_once_for_a_visit_whatever_the_lead_days(subject, coordinator_a):
    c1d8 = visit_of(subject, "C1D8")
    for lead in (7, 1):  # both lead days of the settings
        services.scan(local(c1d8.window_opens_on - timedelta(days=lead), 9))
    upcoming = Reminder.objects.filter(
        kind="visit_upcoming", recipient=coordinator_a, key__contains=f"visit{c1d8.pk}:"
    )
    assert upcoming.count() == 1


def test_a_late_scan_creates_only_the_latest_state_of_a_visit(subject, coordinator_a):
    c1d8 = visit_of(subject, "C1D8")
    # The first scan after the window closed: upcoming, closing and overdue are all due.
    services.scan(local(c1d8.window_closes_on + timedelta(days=1), 9))
    kinds = set(
        Reminder.objects.filter(key__contains=f"visit{c1d8.pk}:").values_list("kind", flat=True)
    )
    assert kinds == {"visit_overdue"}


def test_overdue_supersedes_a_closing_reminder_that_has_not_gone_out(subject, coordinator_a):
    c1d8 = visit_of(subject, "C1D8")
    services.scan(local(c1d8.window_closes_on, 9))
    closing = Reminder.objects.get(
        kind="visit_window_closing", recipient=coordinator_a, key__contains=f"visit{c1d8.pk}:"
    )
    result = services.scan(local(c1d8.window_closes_on + timedelta(days=1), 9))
    closing.refresh_from_db()
    assert closing.superseded_at is not None and closing.sent_at is None
    overdue = Reminder.objects.get(
        kind="visit_overdue", recipient=coordinator_a, key__contains=f"visit{c1d8.pk}:"
    )
    assert overdue.pk in result.created
    pending = services.pending_ids(local(c1d8.window_closes_on + timedelta(days=1), 10))
    assert closing.pk not in pending and overdue.pk in pending
    # A superseded reminder is never sent, even if its task was already queued.
    assert services.reminder_send(reminder_id=closing.pk, now=local(c1d8.window_closes_on)) is False


def test_a_sent_reminder_is_not_superseded_and_the_next_state_follows_it(
    subject, coordinator_a, mailoutbox
):
    c1d8 = visit_of(subject, "C1D8")
    services.scan(local(c1d8.window_closes_on, 9))
    closing = Reminder.objects.get(
        kind="visit_window_closing", recipient=coordinator_a, key__contains=f"visit{c1d8.pk}:"
    )
    assert services.reminder_send(reminder_id=closing.pk, now=local(c1d8.window_closes_on, 9))
    services.scan(local(c1d8.window_closes_on + timedelta(days=1), 9))
    closing.refresh_from_db()
    assert closing.superseded_at is None and closing.sent_at is not None
    overdue = Reminder.objects.filter(
        kind="visit_overdue", recipient=coordinator_a, key__contains=f"visit{c1d8.pk}:"
    )
    assert overdue.count() == 1


def test_sae_due_in_12_hours_never_arrives_together_with_overdue(
    subject, coordinator_a, investigator_a
):
    load_starter_dictionary()
    ae = record_ae(subject, coordinator_a, **SERIOUS)
    services.scan(ae.aware_at + timedelta(hours=12))
    twelve = Reminder.objects.get(kind="sae_12h_left", recipient=investigator_a)
    # The worker was down: nothing went out before the deadline passed.
    services.scan(ae.aware_at + timedelta(hours=25))
    twelve.refresh_from_db()
    assert twelve.superseded_at is not None
    pending = Reminder.objects.filter(
        pk__in=services.pending_ids(ae.aware_at + timedelta(hours=25)), recipient=investigator_a
    )
    assert set(pending.values_list("kind", flat=True)) == {"sae_overdue"}


def test_scan_query_count_does_not_grow_with_the_reminders_it_supersedes(
    study, site_a, coordinator_a, investigator_a, django_assert_max_num_queries
):
    from django.test.utils import CaptureQueriesContext

    first = dosed_subject(study, site_a, coordinator_a, investigator_a)
    c1d8 = visit_of(first, "C1D8")
    closing_day = local(c1d8.window_closes_on, 9)
    overdue_day = local(c1d8.window_closes_on + timedelta(days=1), 9)
    services.scan(closing_day)
    with CaptureQueriesContext(connection) as one_subject:
        services.scan(overdue_day)
    for _ in range(2):  # 3+3: three subjects at the open dose level
        dosed_subject(study, site_a, coordinator_a, investigator_a)
    services.scan(closing_day)
    with django_assert_max_num_queries(len(one_subject)):
        services.scan(overdue_day)
    assert Reminder.objects.filter(superseded_at__isnull=False).count() >= 3


# The scan reads only the open visits whose stored moment (Visit.reminder_due_at) has come.


def _seen(result) -> set[int]:
    return {seen.id for seen in result.visits_seen}


def test_a_scan_reads_a_visit_again_only_when_its_next_reminder_is_due(subject, coordinator_a):
    c1d8 = visit_of(subject, "C1D8")
    closing = local(c1d8.window_closes_on, 9)
    assert c1d8.pk in _seen(services.scan(closing))  # planned visits: read at the next scan
    c1d8.refresh_from_db()
    assert c1d8.reminder_due_at == local(c1d8.window_closes_on + timedelta(days=1), 8)
    assert _seen(services.scan(closing)) == set()  # nothing due since: nothing read
    assert _seen(services.scan(local(c1d8.window_closes_on, 23))) == set()
    overdue = services.scan(local(c1d8.window_closes_on + timedelta(days=1), 8))
    assert c1d8.pk in _seen(overdue)
    assert Reminder.objects.filter(key=f"visit_overdue:visit{c1d8.pk}:u{coordinator_a.pk}").exists()
    c1d8.refresh_from_db()
    assert c1d8.reminder_due_at == rules.NO_MORE_REMINDERS


def _moved_later(visit, days=7):
    plan = visit.planned()
    return replace(
        plan,
        target_date=plan.target_date + timedelta(days=days),
        window_opens=plan.window_opens + timedelta(days=days),
        window_closes=plan.window_closes + timedelta(days=days),
    )


def test_a_visit_whose_window_moves_is_read_at_the_next_scan(subject):
    c1d8 = visit_of(subject, "C1D8")
    closing = local(c1d8.window_closes_on, 9)
    services.scan(closing)
    c1d8.save(update_fields=c1d8.move_window(_moved_later(c1d8)))
    assert c1d8.pk in _seen(services.scan(closing))
    c1d8.refresh_from_db()
    expected = rules.visit_reminders_at(
        window_opens=c1d8.window_opens_on,
        window_closes=c1d8.window_closes_on,
        now=closing,
        settings=services.SETTINGS,
        tz=timezone.get_current_timezone(),
    )
    assert c1d8.reminder_due_at == expected.next_at > closing  # from its new dates


def test_a_window_moved_while_the_scan_runs_keeps_the_visit_due(subject, monkeypatch):
    c1d8 = visit_of(subject, "C1D8")
    planned = services.plan

    def plan_then_move(now):
        result = planned(now)
        moved = visit_of(subject, "C1D8")
        moved.save(update_fields=moved.move_window(_moved_later(moved)))
        return result

    monkeypatch.setattr(services, "plan", plan_then_move)
    result = services.scan(local(c1d8.window_closes_on, 9))
    assert c1d8.pk in _seen(result)
    assert visit_of(subject, "C1D8").reminder_due_at is None  # read again at the next scan


def test_moving_the_stored_moment_of_a_visit_is_not_an_audit_event(subject):
    from django.apps import apps

    VisitEvent = apps.get_model("trial", "VisitEvent")  # noqa: N806 (pghistory's model)
    before = VisitEvent.objects.count()
    services.scan(local(visit_of(subject, "C1D8").window_closes_on, 9))
    assert Visit.objects.filter(reminder_due_at__isnull=False).exists()
    assert VisitEvent.objects.count() == before


def test_a_query_left_open_is_read_when_due_and_again_once_answered(
    subject, coordinator_a, monitor
):
    from review.services import query_answer, query_raise
    from tests.review.factories import c1d1_dose

    raised_at = local(visit_of(subject, "C1D8").window_closes_on + timedelta(days=40))
    query = query_raise(record=c1d1_dose(subject), by=monitor, text="Which lot?", now=raised_at)
    due = raised_at + timedelta(days=services.SETTINGS.query_open_days)

    def read(result):
        return query.pk in {seen.id for seen in result.queries_seen}

    assert read(services.scan(raised_at))  # raised: read once, its moment stored
    query.refresh_from_db()
    assert query.reminder_due_at == due
    assert not read(services.scan(due - timedelta(minutes=1)))
    assert read(services.scan(due))
    to_site = Reminder.objects.filter(kind="query_open", recipient=coordinator_a)
    assert to_site.count() == 1
    assert not read(services.scan(due + timedelta(hours=1)))  # reminded: not read again
    query_answer(query=query, by=coordinator_a, text="LOT-7", now=due + timedelta(hours=2))
    assert read(services.scan(due + timedelta(hours=3)))  # answered: its raiser is reminded
    assert Reminder.objects.filter(kind="query_open", recipient=monitor).count() == 1
    assert to_site.count() == 1
