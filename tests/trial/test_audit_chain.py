"""The audit trail's hash chain: every committed event is linked; `audit_verify` passes on an
untouched chain and names the first broken link when a superuser or the owner has disabled the
triggers and changed the trail."""

from contextlib import contextmanager
from datetime import date

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from followup.models import Notification, Reminder
from review.subjects import subject_update
from tests.screening.factories import register_subject
from trial.audit_chain import verify
from trial.models import SubjectEvent

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def trail(study, site_a, coordinator_a):
    """Two subjects with an insert and an update each: four committed, linked events."""
    subjects = []
    for _ in range(2):
        subject = register_subject(study=study, site=site_a, by=coordinator_a)
        subject_update(subject=subject, by=coordinator_a, reason="Source verified", sex="F")
        subjects.append(subject)
    return subjects


@contextmanager
def triggers_off(*tables):
    """What a superuser (or the tables' owner) can do: switch every user trigger off."""
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for table in tables:
                cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")


def _event(subject, label):
    return SubjectEvent.objects.get(pgh_obj=subject, pgh_label=label)


def _link_of(event):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT seq FROM trial_auditlink WHERE event_table = 'trial_subjectevent' "
            "AND event_id = %s",
            [event.pgh_id],
        )
        return cursor.fetchone()[0]


def test_every_committed_event_is_linked_and_the_chain_verifies(trail, capsys):
    result = verify()
    events = SubjectEvent.objects.count()
    assert result.intact, result.problem
    assert result.links >= events == 4
    call_command("audit_verify")
    out = capsys.readouterr().out
    assert f"{result.links} events" in out and result.head_hash in out


def test_an_event_edited_with_the_triggers_off_is_found(trail):
    edited = _event(trail[0], "update")
    with triggers_off("trial_subjectevent"), connection.cursor() as cursor:
        cursor.execute("UPDATE trial_subjectevent SET sex = 'M' WHERE pgh_id = %s", [edited.pgh_id])
    result = verify()
    seq = _link_of(edited)
    assert result.problem == (
        f"link {seq} (trial_subjectevent event {edited.pgh_id}): the event or its context was "
        "changed after it was written"
    )
    with pytest.raises(CommandError, match=f"link {seq} "):
        call_command("audit_verify")


def test_a_superuser_edit_under_replication_role_is_found(trail):
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        if not cursor.fetchone()[0]:
            pytest.skip("the tests do not run as a superuser here")
        edited = _event(trail[1], "insert")
        cursor.execute("SET session_replication_role = replica")
        try:
            cursor.execute(
                "UPDATE trial_subjectevent SET date_of_birth = '1980-01-01' WHERE pgh_id = %s",
                [edited.pgh_id],
            )
        finally:
            cursor.execute("SET session_replication_role = DEFAULT")
    assert f"link {_link_of(edited)} (trial_subjectevent event {edited.pgh_id})" in (
        verify().problem
    )


def test_a_changed_reason_for_change_is_found(trail):
    edited = _event(trail[0], "update")
    with triggers_off("pghistory_context"), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE pghistory_context SET metadata = jsonb_set(metadata, '{reason}', "
            "'\"Nothing to see\"') WHERE id = %s",
            [edited.pgh_context_id],
        )
    assert f"link {_link_of(edited)} " in verify().problem


def test_a_deleted_event_is_found(trail):
    deleted = _event(trail[1], "update")
    seq = _link_of(deleted)
    with triggers_off("trial_subjectevent"), connection.cursor() as cursor:
        cursor.execute("DELETE FROM trial_subjectevent WHERE pgh_id = %s", [deleted.pgh_id])
    assert verify().problem == (
        f"link {seq} (trial_subjectevent event {deleted.pgh_id}): the event is missing (deleted)"
    )


def test_an_event_added_with_the_chain_off_is_found(trail):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT string_agg(quote_ident(column_name), ', ') FROM information_schema.columns "
            "WHERE table_name = 'trial_subjectevent' AND column_name <> 'pgh_id'"
        )
        columns = cursor.fetchone()[0]
    with triggers_off("trial_subjectevent"), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO trial_subjectevent ({columns}) SELECT {columns} "
            "FROM trial_subjectevent WHERE pgh_id = %s RETURNING pgh_id",
            [_event(trail[0], "insert").pgh_id],
        )
        added = cursor.fetchone()[0]
    assert verify().problem == (
        f"trial_subjectevent event {added} has no link: it was written with the chain's trigger off"
    )


def test_links_removed_from_the_end_are_found(trail):
    with triggers_off("trial_auditlink"), connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM trial_auditlink WHERE seq = (SELECT max(seq) FROM trial_auditlink)"
        )
    assert "links were removed from the end" in verify().problem


def test_a_rewritten_link_is_found(trail):
    second = _link_of(_event(trail[0], "update"))
    with triggers_off("trial_auditlink"), connection.cursor() as cursor:
        cursor.execute("UPDATE trial_auditlink SET hash = repeat('1', 64) WHERE seq = %s", [second])
    assert verify().problem.startswith(f"link {second} ")


def test_the_daily_check_alerts_every_administrator_once(trail, admin_user, eager_tasks):
    from followup.tasks import verify_audit_trail

    admin_user.email = "admin@example.org"
    admin_user.save(update_fields=["email"])
    edited = _event(trail[0], "update")
    with triggers_off("trial_subjectevent"), connection.cursor() as cursor:
        cursor.execute("UPDATE trial_subjectevent SET sex = 'M' WHERE pgh_id = %s", [edited.pgh_id])
    problem = verify_audit_trail()
    assert problem.startswith(f"link {_link_of(edited)} ")
    verify_audit_trail()  # the same day: no second alert
    [reminder] = Reminder.objects.filter(kind="audit_chain_broken")
    assert reminder.recipient == admin_user and problem in reminder.body
    assert [m.to for m in mail.outbox] == [["admin@example.org"]]
    assert Notification.objects.get(user=admin_user).title.startswith("Audit trail")


def test_the_daily_check_on_an_intact_trail_alerts_no_one(trail, admin_user):
    from followup.tasks import verify_audit_trail

    assert verify_audit_trail() == ""
    assert not Reminder.objects.filter(kind="audit_chain_broken").exists()


def test_concurrent_transactions_make_one_valid_chain(study, site_a, coordinator_a):
    """Writers in several threads (own connections) commit interleaved: one gapless chain."""
    import threading

    from django.db import connections

    errors = []

    def write(n):
        try:
            for i in range(3):
                subject = register_subject(
                    study=study,
                    site=site_a,
                    by=coordinator_a,
                    date_of_birth=date(1950 + n, 1, i + 1),
                )
                subject_update(subject=subject, by=coordinator_a, reason=f"w{n}", sex="F")
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    result = verify()
    assert result.intact, result.problem
    assert SubjectEvent.objects.count() == 24


def test_every_event_table_links_its_events_including_tables_added_after_the_chain():
    """The chain's trigger is (re)installed on every audit event table after each migrate,
    not only on those that existed when the chain's migration ran (medical history, labs,
    vital-sign limits and every later CRF came after it)."""
    from trial.privileges import table_classes

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE t.tgname = 'audit_chain_link'"
        )
        chained = {row[0] for row in cursor.fetchall()}
        cursor.execute(
            "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE t.tgname = 'audit_chain_count'"
        )
        counted = {row[0] for row in cursor.fetchall()}
    events = set(table_classes().events)
    assert {"trial_vitalsignlimitevent", "history_medicalhistoryevent"} <= events
    assert events - chained == set()
    assert events - counted == set()


def _head_updates_in_this_transaction() -> int:
    """Updates of the chain head counted by this backend and not yet flushed to the shared
    statistics (this transaction's, and possibly earlier ones')."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n_tup_upd FROM pg_stat_xact_user_tables WHERE relname = 'trial_auditchainhead'"
        )
        row = cursor.fetchone()
    return row[0] if row else 0


def test_a_transaction_moves_the_chain_head_once_whatever_its_number_of_events(
    study, site_a, coordinator_a
):
    """The head is written at the transaction's last link, not at each: a row updated n times
    in one transaction makes each later read walk its n versions (a bulk load's COMMIT was
    quadratic in its events)."""
    with transaction.atomic():
        for i in range(4):
            subject = register_subject(
                study=study, site=site_a, by=coordinator_a, date_of_birth=date(1960, 1, i + 1)
            )
            subject_update(subject=subject, by=coordinator_a, reason="Source verified", sex="F")
        # The backend's pending statistics may still hold earlier transactions' updates: the
        # difference within this one is what it did.
        before = _head_updates_in_this_transaction()
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # link now, inside the transaction
            cursor.execute("SELECT count(*) FROM trial_auditlink")
            links = cursor.fetchone()[0]
        assert links >= 8
        assert _head_updates_in_this_transaction() - before == 1
    result = verify()
    assert result.intact, result.problem
    assert result.links == links


def test_events_of_a_rolled_back_savepoint_leave_the_chain_whole(study, site_a, coordinator_a):
    """The count of events to link goes back with a rolled-back savepoint, as its events do:
    the head still reaches the transaction's last link."""
    with transaction.atomic():
        kept = register_subject(study=study, site=site_a, by=coordinator_a)
        try:
            with transaction.atomic():
                register_subject(
                    study=study, site=site_a, by=coordinator_a, date_of_birth=date(1961, 2, 3)
                )
                raise RuntimeError("the user cancelled")
        except RuntimeError:
            pass
        subject_update(subject=kept, by=coordinator_a, reason="Source verified", sex="F")
    result = verify()
    assert result.intact, result.problem
    assert SubjectEvent.objects.count() == 2
