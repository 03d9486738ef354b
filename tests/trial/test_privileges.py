"""The application's database role owns nothing and cannot switch the audit trail's protections
off: no TRUNCATE, no trigger control, no session_replication_role, no DELETE of clinical rows
(against the real PostgreSQL, connected as that role)."""

from contextlib import contextmanager
from datetime import date

import psycopg
import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from psycopg import errors

from trial.privileges import table_classes


@contextmanager
def app_cursor(application_role):
    with psycopg.connect(**application_role, autocommit=True) as conn, conn.cursor() as cursor:
        yield cursor


def test_tables_are_classified_by_what_the_application_may_do():
    classes = table_classes()
    assert "trial_subjectevent" in classes.audit
    assert "review_signature" in classes.audit
    assert "review_querymessage" in classes.audit
    assert classes.context == ["pghistory_context"]
    assert {"trial_subject", "adverse_events_adverseevent", "trial_visit"} <= set(classes.clinical)
    assert {"django_session", "trial_membership", "axes_accessattempt"} <= set(classes.other)


@pytest.mark.django_db
def test_application_role_is_not_superuser_and_owns_nothing(application_role):
    with app_cursor(application_role) as cursor:
        cursor.execute(
            "SELECT rolsuper, rolcreaterole, rolcreatedb, rolbypassrls FROM pg_roles "
            "WHERE rolname = current_user"
        )
        assert cursor.fetchone() == (False, False, False, False)
        cursor.execute(
            "SELECT count(*) FROM pg_class WHERE relowner = "
            "(SELECT oid FROM pg_roles WHERE rolname = current_user)"
        )
        assert cursor.fetchone()[0] == 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'")
        owners = {row[0] for row in cursor.fetchall()}
    assert application_role["user"] not in owners


@pytest.mark.django_db
@pytest.mark.parametrize(
    "table",
    ["trial_subjectevent", "pghistory_context", "review_signature", "trial_subject"],
)
def test_application_role_cannot_truncate(application_role, table):
    with app_cursor(application_role) as cursor, pytest.raises(errors.InsufficientPrivilege):
        cursor.execute(f"TRUNCATE {table}")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "statement",
    [
        "ALTER TABLE trial_subjectevent DISABLE TRIGGER ALL",
        "ALTER TABLE trial_subject DISABLE TRIGGER USER",
        "ALTER TABLE review_signature DISABLE TRIGGER ALL",
        "ALTER TABLE pghistory_context DISABLE TRIGGER ALL",
        "DROP TRIGGER {no_hard_delete} ON trial_subject",
        "DROP TABLE trial_subjectevent",
    ],
)
def test_application_role_has_no_trigger_or_table_control(application_role, statement):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = 'trial_subject'::regclass "
            "AND tgname LIKE 'pgtrigger_no_hard_delete_%%'"
        )
        statement = statement.format(no_hard_delete=cursor.fetchone()[0])
    with app_cursor(application_role) as cursor, pytest.raises(errors.InsufficientPrivilege):
        cursor.execute(statement)


@pytest.mark.django_db
def test_application_role_cannot_set_session_replication_role(application_role):
    with app_cursor(application_role) as cursor, pytest.raises(errors.InsufficientPrivilege):
        cursor.execute("SET session_replication_role = replica")


@pytest.mark.django_db
def test_application_role_cannot_create_tables_or_functions(application_role):
    with app_cursor(application_role) as cursor:
        with pytest.raises(errors.InsufficientPrivilege):
            cursor.execute("CREATE TABLE public.shadow (id int)")
        with pytest.raises(errors.InsufficientPrivilege):
            cursor.execute(
                "CREATE OR REPLACE FUNCTION public._pgtrigger_should_ignore(trigger_name NAME) "
                "RETURNS BOOLEAN AS $$ BEGIN RETURN TRUE; END; $$ LANGUAGE plpgsql"
            )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("table", "privileges"),
    [
        ("trial_subject", {"SELECT", "INSERT", "UPDATE"}),
        ("adverse_events_adverseevent", {"SELECT", "INSERT", "UPDATE"}),
        ("trial_subjectevent", {"SELECT", "INSERT"}),
        ("review_signature", {"SELECT", "INSERT"}),
        ("pghistory_context", {"SELECT", "INSERT", "UPDATE"}),
        ("django_session", {"SELECT", "INSERT", "UPDATE", "DELETE"}),
        # Generated files (exports.storage.DatabaseStorage): written and deleted by the
        # workers' retention scan, which run as the application's role.
        ("exports_storedfile", {"SELECT", "INSERT", "UPDATE", "DELETE"}),
        ("exports_storedfilechunk", {"SELECT", "INSERT", "UPDATE", "DELETE"}),
    ],
)
def test_application_role_has_exactly_its_privileges(application_role, table, privileges):
    with app_cursor(application_role) as cursor:
        cursor.execute(
            "SELECT p FROM unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', "
            "'REFERENCES', 'TRIGGER']) p WHERE has_table_privilege(current_user, %s, p)",
            [table],
        )
        assert {row[0] for row in cursor.fetchall()} == privileges


@contextmanager
def _as_application(application_role):
    """The test's default connection as the application's role, for a whole workflow."""
    saved = {key: connection.settings_dict.get(key) for key in ("USER", "PASSWORD")}
    connection.close()
    connection.settings_dict.update(
        USER=application_role["user"], PASSWORD=application_role.get("password", "")
    )
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.update(saved)


@pytest.mark.django_db(transaction=True)
def test_the_application_works_as_its_role(application_role, django_user_model):
    """Loading the study, registering and correcting a subject, and signing in: every write the
    product makes needs no more than the application's privileges."""
    from django.test import Client
    from django.urls import reverse

    from review.subjects import subject_update
    from trial.models import Membership, Role, Site, Subject, SubjectEvent
    from trial.services import subject_register
    from trial.study_config import load_study, read_config

    with _as_application(application_role):
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_user")
            assert cursor.fetchone()[0] == application_role["user"]
        study, _ = load_study(read_config(settings.STUDY_CONFIG_FILE))
        site = Site.objects.get(code="FR01")
        user = django_user_model.objects.create_user(username="coord", password="pw-123456789")
        Membership.objects.create(user=user, site=site, role=Role.COORDINATOR)
        subject = subject_register(
            study=study,
            site=site,
            by=user,
            sex="F",
            date_of_birth=date(1970, 1, 2),
            tumour_type="melanoma",
        )
        subject_update(subject=subject, by=user, reason="Typo", sex="M")
        client = Client()
        client.post(reverse("login"), {"username": "coord", "password": "wrong-password-1"})
        response = client.post(reverse("login"), {"username": "coord", "password": "pw-123456789"})
        assert response.status_code == 302
        assert client.get(reverse("subject_detail", args=[subject.pk])).status_code == 200
        client.post(reverse("logout"))
        assert Subject.objects.get(pk=subject.pk).sex == "M"
        assert SubjectEvent.objects.filter(pgh_obj=subject).count() == 2


@pytest.mark.django_db(transaction=True)
def test_the_start_commands_dictionary_import_works_as_the_application_role(application_role):
    """bin/start imports the CTCAE starter list as the application's role: numbering a new
    dictionary version must not need a privilege the append-only version table refuses it
    (SELECT ... FOR UPDATE needs UPDATE)."""
    from adverse_events.models import CtcaeDictionaryVersion

    with _as_application(application_role):
        call_command("import_ctcae", verbosity=0)
        assert CtcaeDictionaryVersion.objects.count() == 1
        call_command("import_ctcae", verbosity=0)  # unchanged: no new version
        assert list(CtcaeDictionaryVersion.objects.values_list("number", flat=True)) == [1]


@pytest.mark.django_db(transaction=True)
def test_migrate_runs_as_the_owner_and_grants_the_application(application_role, monkeypatch):
    """Run from a process connected as the application's role, migrate swaps to the owner
    (DATABASE_OWNER_URL) for its run, grants as the owner, then swaps back."""
    from trial import privileges

    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        owner = cursor.fetchone()[0]
    monkeypatch.setitem(settings.DATABASE_OWNER, "USER", owner)
    seen = []
    real = privileges.sync_privileges

    def spy(**kwargs):
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_user")
            seen.append(cursor.fetchone()[0])
        return real(role=application_role["user"], **kwargs)

    monkeypatch.setattr(privileges, "sync_privileges", spy)
    with _as_application(application_role):
        call_command("migrate", verbosity=0)
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_user")
            after = cursor.fetchone()[0]
    assert (seen, after) == ([owner], application_role["user"])
