"""The export tests share one hand-made trial per module, built once and rolled back.

Building it through the real services takes seconds; each test then runs in a savepoint
inside the module's transaction (pytest-django's `db`), so tests stay independent. The
benchmark seed (`seeded`) is built per test instead: it takes about a second.
"""

import importlib

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import transaction
from django.urls import clear_url_caches
from django.utils import timezone
from rest_framework import serializers

from followup.models import Reminder
from review import records
from review.export_spec import ApiEndpoint, ExportSpec, api_rows, subject_dataset
from review.records import CrfKind, register
from tests.exports.factories import build_dataset


@pytest.fixture(scope="module")
def dataset(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield build_dataset()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def seeded(db, settings, tmp_path):
    """The benchmark seed, scaled down (seed_large), with export files under a temporary var/."""
    settings.VAR_DIR = tmp_path
    call_command("seed_large", "--subjects", "20", "--sites", "4", "--aes-per-subject", "4")


@pytest.fixture
def data(dataset, db, settings, tmp_path):
    """The dataset, inside the test's savepoint, with export files under a temporary var/."""
    settings.VAR_DIR = tmp_path
    return dataset


class _ReminderSerializer(serializers.ModelSerializer):
    class Meta:
        model = Reminder
        fields = ("id", "subject", "kind", "title")


def _reminders(user):
    return api_rows(Reminder.objects.all(), user).order_by("subject", "id")


THROWAWAY_KIND = CrfKind(
    "followup.reminder",
    "Reminder (a test-only kind)",
    export=ExportSpec(
        95,
        lambda context: (
            subject_dataset("followup.reminder", "reminders", "Reminders", "RMD", order_by=("id",)),
        ),
        api=(ApiEndpoint("reminders", "api-reminder", _ReminderSerializer, _reminders),),
    ),
)


def _reload_urls():
    for name in ("exports.urls", django_settings.ROOT_URLCONF):
        importlib.reload(importlib.import_module(name))
    clear_url_caches()


@pytest.fixture
def throwaway_kind(data):
    """A CRF kind registered by the test alone, on a model no export names (the reminder),
    with one row for the dosed subject: nothing in exports knows of it."""
    register(THROWAWAY_KIND)
    _reload_urls()
    reminder = Reminder.objects.create(
        key="throwaway",
        kind="visit_upcoming",
        recipient=data.users["coord_a"],
        subject=data.dosed,
        title="A test-only record",
        body="",
        due_at=timezone.now(),
    )
    try:
        yield reminder
    finally:
        records._REGISTRY.pop(THROWAWAY_KIND.label)
        _reload_urls()
