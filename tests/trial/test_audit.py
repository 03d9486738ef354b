"""The audit trail is written by the database and cannot be rewritten."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.utils import ProgrammingError

from review.subjects import subject_update
from tests.trial.factories import SubjectFactory
from trial.audit import audit_context, history_for
from trial.models import Subject, SubjectEvent
from trial.services import subject_register


@pytest.fixture
def subject(study, site_a, coordinator_a):
    return subject_register(
        study=study,
        site=site_a,
        by=coordinator_a,
        sex="F",
        date_of_birth=date(1970, 1, 2),
        tumour_type="melanoma",
    )


def test_create_is_audited_with_user_and_reason(subject, coordinator_a):
    [event] = SubjectEvent.objects.filter(pgh_obj=subject)
    assert event.pgh_label == "insert"
    assert event.pgh_context.metadata["user"] == coordinator_a.pk
    assert event.pgh_context.metadata["reason"] == "Patient registered for screening"


def test_update_records_old_new_user_and_reason(subject, coordinator_a):
    subject_update(
        subject=subject,
        by=coordinator_a,
        reason="Transcription error",
        date_of_birth=date(1971, 1, 2),
    )
    [entry] = [e for e in history_for(subject) if e.action == "update"]
    assert entry.username == coordinator_a.username
    assert entry.reason == "Transcription error"
    [change] = entry.changes
    assert (change.field, change.old, change.new) == ("date_of_birth", "1970-01-02", "1971-01-02")


def test_edit_without_reason_is_refused_and_not_saved(subject, coordinator_a):
    with pytest.raises(ValidationError, match="reason for change"):
        subject_update(subject=subject, by=coordinator_a, reason=" ", sex="M")
    subject.refresh_from_db()
    assert subject.sex == "F"
    assert SubjectEvent.objects.filter(pgh_obj=subject).count() == 1


def test_bulk_update_is_audited(study, site_a, coordinator_a):
    subjects = SubjectFactory.create_batch(3, study=study, site=site_a, created_by=coordinator_a)
    with audit_context(by=coordinator_a, reason="Bulk correction"):
        Subject.objects.filter(pk__in=[s.pk for s in subjects]).update(tumour_type="sts")
    updates = SubjectEvent.objects.filter(pgh_label="update")
    assert updates.count() == 3
    assert {e.pgh_context.metadata["reason"] for e in updates} == {"Bulk correction"}


def test_raw_sql_update_is_audited(subject):
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE trial_subject SET tumour_type_other = 'raw' WHERE id = %s", [subject.pk]
        )
    latest = SubjectEvent.objects.filter(pgh_obj=subject).latest("pgh_id")
    assert latest.pgh_label == "update"
    assert latest.tumour_type_other == "raw"


@pytest.mark.parametrize(
    "statement",
    ["UPDATE trial_subjectevent SET sex = 'M'", "DELETE FROM trial_subjectevent"],
)
def test_audit_table_refuses_update_and_delete(subject, statement):
    with (
        pytest.raises(ProgrammingError, match="Cannot update or delete"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement)
    assert SubjectEvent.objects.filter(pgh_obj=subject).count() == 1


def test_subject_cannot_be_hard_deleted(subject):
    with pytest.raises(ProgrammingError, match="Cannot delete"), transaction.atomic():
        Subject.objects.filter(pk=subject.pk).delete()
    assert Subject.objects.filter(pk=subject.pk).exists()


def test_two_services_in_one_request_keep_their_own_reasons(study, site_a, coordinator_a):
    """The request's context (pghistory middleware) must not merge the services' reasons."""
    import pghistory

    with pghistory.context(url="/some/request/"):
        subject = subject_register(
            study=study,
            site=site_a,
            by=coordinator_a,
            sex="F",
            date_of_birth=date(1970, 1, 2),
            tumour_type="melanoma",
        )
        subject_update(subject=subject, by=coordinator_a, reason="Second reason", sex="M")
    entries = history_for(subject)
    assert [(e.action, e.reason) for e in entries] == [
        ("insert", "Patient registered for screening"),
        ("update", "Second reason"),
    ]
    assert {e.url for e in entries} == {"/some/request/"}
