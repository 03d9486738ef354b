"""Append-only protections the application's database role cannot switch off (against the real
PostgreSQL, connected as that role): pgtrigger.ignore is not honoured, TRUNCATE is refused by a
trigger, and a context row is frozen once the transaction of its block has ended."""

import json
from contextlib import contextmanager

import pghistory
import pgtrigger
import psycopg
import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.utils import ProgrammingError
from django.utils import timezone
from psycopg import errors

from adverse_events.models import AdverseEvent, AdverseEventEvent
from review.models import Signature
from review.subjects import subject_update
from tests.adverse_events.factories import load_starter_dictionary, record_ae
from tests.dosing.factories import dosed_subject
from tests.screening.factories import register_subject
from trial.audit import audit_context
from trial.audit_guards import planned_guards
from trial.models import Subject, SubjectEvent


@contextmanager
def app_cursor(application_role):
    with psycopg.connect(**application_role, autocommit=True) as conn, conn.cursor() as cursor:
        yield cursor


def _pgtrigger_names(*tables):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname FROM pg_trigger WHERE tgrelid::regclass::text = ANY(%s) "
            "AND tgname LIKE 'pgtrigger%%'",
            [list(tables)],
        )
        return [row[0] for row in cursor.fetchall()]


def _ignore_all(cursor, *tables):
    """What an attacker would do: ask pgtrigger to skip every trigger of these tables."""
    names = _pgtrigger_names(*tables)
    assert names
    cursor.execute(
        "SELECT set_config('pgtrigger.ignore', %s, false)", ["{" + ",".join(names) + "}"]
    )


REFUSED = (errors.InsufficientPrivilege, errors.RaiseException)


@contextmanager
def owner_cursor_ignoring(*tables):
    """The owner's connection, asking pgtrigger to skip every trigger of these tables: the
    guards must refuse it all the same (the application's role is refused even earlier, for
    want of the privilege)."""
    with connection.cursor() as cursor:
        _ignore_all(cursor, *tables)
        try:
            yield cursor
        finally:
            cursor.execute("SELECT set_config('pgtrigger.ignore', NULL, false)")


@pytest.fixture
def committed_subject(transactional_db, study, site_a, coordinator_a):
    subject = register_subject(study=study, site=site_a, by=coordinator_a)
    subject_update(subject=subject, by=coordinator_a, reason="Source verified", sex="F")
    return subject


def _events(subject):
    return sorted(SubjectEvent.objects.filter(pgh_obj=subject).values_list("pgh_label", "sex"))


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE trial_subjectevent SET sex = 'M' WHERE pgh_obj_id = %s",
        "DELETE FROM trial_subjectevent WHERE pgh_obj_id = %s",
    ],
)
def test_pgtrigger_ignore_does_not_unlock_audit_events(
    application_role, committed_subject, statement
):
    with app_cursor(application_role) as cursor:
        _ignore_all(cursor, "trial_subjectevent")
        with pytest.raises(REFUSED):
            cursor.execute(statement, [committed_subject.pk])
    with (
        owner_cursor_ignoring("trial_subjectevent") as cursor,
        pytest.raises(ProgrammingError, match="pgtrigger.ignore is set"),
    ):
        cursor.execute(statement, [committed_subject.pk])
    assert _events(committed_subject) == [("insert", "M"), ("update", "F")]


@pytest.mark.django_db(transaction=True)
def test_pgtrigger_ignore_does_not_unlock_signatures(
    application_role, committed_subject, investigator_a
):
    Signature.objects.create(
        subject=committed_subject,
        content_type=ContentType.objects.get_for_model(Subject),
        object_id=committed_subject.pk,
        signer=investigator_a,
        printed_name="Dr A",
        meaning="reviewed_and_approved",
        signed_at=timezone.now(),
        content_hash="a" * 64,
    )
    for statement in (
        "UPDATE review_signature SET printed_name = 'Someone else', content_hash = 'b'",
        "DELETE FROM review_signature",
    ):
        with app_cursor(application_role) as cursor:
            _ignore_all(cursor, "review_signature")
            with pytest.raises(REFUSED):
                cursor.execute(statement)
        with (
            owner_cursor_ignoring("review_signature") as cursor,
            pytest.raises(ProgrammingError, match="pgtrigger.ignore is set"),
        ):
            cursor.execute(statement)
    assert list(Signature.objects.values_list("printed_name", "content_hash")) == [
        ("Dr A", "a" * 64)
    ]


def test_pgtrigger_ignore_does_not_allow_deleting_a_subject(application_role, committed_subject):
    statement = "DELETE FROM trial_subject WHERE id = %s"
    with app_cursor(application_role) as cursor:
        _ignore_all(cursor, "trial_subject")
        with pytest.raises(REFUSED):
            cursor.execute(statement, [committed_subject.pk])
    with (
        owner_cursor_ignoring("trial_subject") as cursor,
        pytest.raises(ProgrammingError, match="pgtrigger.ignore is set"),
    ):
        cursor.execute(statement, [committed_subject.pk])
    assert Subject.objects.filter(pk=committed_subject.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_pgtrigger_ignore_does_not_allow_an_unaudited_ae_update(
    application_role, study, site_a, coordinator_a, investigator_a
):
    load_starter_dictionary()
    subject = dosed_subject(study, site_a, coordinator_a, investigator_a)
    ae = record_ae(subject, coordinator_a)
    events_before = AdverseEventEvent.objects.filter(pgh_obj=ae).count()
    with app_cursor(application_role) as cursor:
        _ignore_all(cursor, "adverse_events_adverseevent")
        with pytest.raises(errors.RaiseException, match="pgtrigger.ignore is set"):
            cursor.execute(
                "UPDATE adverse_events_adverseevent SET grade = 4 WHERE id = %s", [ae.pk]
            )
    assert AdverseEvent.objects.get(pk=ae.pk).grade == 1
    assert AdverseEventEvent.objects.filter(pgh_obj=ae).count() == events_before


@pytest.mark.django_db
def test_not_even_the_owner_skips_the_no_delete_guard_with_pgtrigger_ignore(
    study, site_a, coordinator_a
):
    subject = register_subject(study=study, site=site_a, by=coordinator_a)
    with (
        pgtrigger.ignore("trial.Subject:no_hard_delete"),
        pytest.raises(ProgrammingError, match="pgtrigger.ignore is set"),
        transaction.atomic(),
    ):
        Subject.objects.filter(pk=subject.pk).delete()
    assert Subject.objects.filter(pk=subject.pk).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "table", ["trial_subjectevent", "pghistory_context", "review_signature", "trial_subject"]
)
def test_truncate_is_refused_by_a_trigger_even_for_the_owner(table):
    with (
        pytest.raises(ProgrammingError, match="Cannot truncate"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(f"TRUNCATE {table} CASCADE")


@pytest.mark.django_db(transaction=True)
def test_the_truncate_escape_hatch_is_the_owners_only(application_role, committed_subject):
    """Granted TRUNCATE by mistake, the application's role is still refused by the trigger,
    whatever it sets."""
    role = application_role["user"]
    with connection.cursor() as cursor:
        cursor.execute(f'GRANT TRUNCATE ON trial_subjectevent TO "{role}"')
    try:
        with app_cursor(application_role) as cursor:
            cursor.execute("SET ecrf.allow_truncate = 'on'")
            with pytest.raises(errors.RaiseException, match="Cannot truncate"):
                cursor.execute("TRUNCATE trial_subjectevent")
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'REVOKE TRUNCATE ON trial_subjectevent FROM "{role}"')
    assert len(_events(committed_subject)) == 2


def _update_context_id(subject):
    return SubjectEvent.objects.get(pgh_obj=subject, pgh_label="update").pgh_context_id


def test_a_context_row_is_frozen_once_its_block_has_ended(application_role, committed_subject):
    context_id = _update_context_id(committed_subject)
    with app_cursor(application_role) as cursor:
        with pytest.raises(errors.RaiseException, match="block has ended"):
            cursor.execute(
                "UPDATE pghistory_context SET metadata = jsonb_set(metadata, '{reason}', "
                "'\"Nothing happened\"') WHERE id = %s",
                [context_id],
            )
        with pytest.raises(REFUSED):
            cursor.execute("DELETE FROM pghistory_context WHERE id = %s", [context_id])
    with (
        pytest.raises(ProgrammingError, match="audit context is append-only"),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM pghistory_context WHERE id = %s", [context_id])
    assert pghistory.models.Context.objects.get(pk=context_id).metadata["reason"] == (
        "Source verified"
    )


def test_a_later_write_cannot_reattribute_an_ended_context(application_role, committed_subject):
    """pghistory's own upsert, pointed at an old context with new metadata, is refused too:
    the write that tried it fails with it."""
    context_id = _update_context_id(committed_subject)
    forged = json.dumps({"reason": "Forged", "user": None})
    with app_cursor(application_role) as cursor:
        cursor.execute(
            "SELECT set_config('pghistory.context_id', %s, false), "
            "set_config('pghistory.context_metadata', %s, false)",
            [str(context_id), forged],
        )
        with pytest.raises(errors.RaiseException, match="block has ended"):
            cursor.execute(
                "UPDATE trial_subject SET tumour_type = 'sts' WHERE id = %s",
                [committed_subject.pk],
            )
    assert pghistory.models.Context.objects.get(pk=context_id).metadata["reason"] == (
        "Source verified"
    )
    assert Subject.objects.get(pk=committed_subject.pk).tumour_type == "melanoma"


def test_the_live_block_still_updates_its_own_context(committed_subject, coordinator_a):
    """Inside its transaction a block merges metadata into its context row (pghistory's nested
    context), and a request spanning several transactions keeps one context."""
    earlier = _update_context_id(committed_subject)
    with pghistory.context(url="/request/spanning/transactions/"):
        with transaction.atomic():
            Subject.objects.filter(pk=committed_subject.pk).update(tumour_type="sts")
            with pghistory.context(step="second"):
                Subject.objects.filter(pk=committed_subject.pk).update(tumour_type="other_x")
        Subject.objects.filter(pk=committed_subject.pk).update(tumour_type="melanoma")
    contexts = {
        e.pgh_context_id: e.pgh_context.metadata
        for e in SubjectEvent.objects.filter(pgh_obj=committed_subject, pgh_label="update")
        .exclude(pgh_context_id=earlier)
        .select_related("pgh_context")
    }
    assert list(contexts.values()) == [{"url": "/request/spanning/transactions/", "step": "second"}]


def test_audit_context_blocks_of_one_request_are_frozen_separately(
    committed_subject, coordinator_a
):
    with pghistory.context(url="/two/services/"):
        with audit_context(by=coordinator_a, reason="First"), transaction.atomic():
            Subject.objects.filter(pk=committed_subject.pk).update(tumour_type="sts")
        with audit_context(by=coordinator_a, reason="Second"), transaction.atomic():
            Subject.objects.filter(pk=committed_subject.pk).update(tumour_type="melanoma")
    reasons = [
        e.pgh_context.metadata["reason"]
        for e in SubjectEvent.objects.filter(pgh_obj=committed_subject, pgh_label="update")
        .select_related("pgh_context")
        .order_by("pgh_id")
    ]
    assert reasons == ["Source verified", "First", "Second"]


@pytest.mark.django_db
def test_every_audit_clinical_and_context_table_has_its_guards():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE t.tgname LIKE 'protect\\_%%' AND t.tgenabled = 'O'"
        )
        installed = set(cursor.fetchall())
        cursor.execute(
            "SELECT DISTINCT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE t.tgname LIKE 'pgtrigger\\_%%'"
        )
        pgtrigger_tables = {row[0] for row in cursor.fetchall()}
    plan = planned_guards()
    expected = {(table, name) for table, guards in plan.items() for name, *_ in guards}
    expected |= {(table, "protect_no_trigger_ignore") for table in pgtrigger_tables}
    assert expected <= installed
    assert {"trial_subjectevent", "pghistory_context", "review_signature", "trial_subject"} <= set(
        plan
    )
