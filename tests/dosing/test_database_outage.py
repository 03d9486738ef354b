"""PostgreSQL goes away in the middle of a save: an error page, nothing half-saved, the input
kept for a retry."""

import pytest
from django.db import connection
from django.urls import reverse

from dosing.models import DosingRecord
from tests.dosing.factories import enrolled_subject, visit_of
from tests.screening.factories import PLANNED_C1D1
from trial.models import Visit


@pytest.mark.django_db(transaction=True)
def test_connection_lost_during_a_dose_save(
    client, monkeypatch, study, site_a, coordinator_a, investigator_a
):
    subject = enrolled_subject(study, site_a, coordinator_a, investigator_a)
    visit = visit_of(subject, "C1D1")
    monkeypatch.setattr("dosing.views._today", lambda: PLANNED_C1D1)
    real_save = DosingRecord.save

    def save_then_lose_the_server(self, *args, **kwargs):
        real_save(self, *args, **kwargs)
        # The server drops this session mid-transaction, as when PostgreSQL is stopped.
        with connection.cursor() as cursor:
            cursor.execute("select pg_terminate_backend(pg_backend_pid())")

    monkeypatch.setattr(DosingRecord, "save", save_then_lose_the_server)
    client.force_login(coordinator_a)
    data = {
        "dose_change": "none",
        "administered_on": PLANNED_C1D1.isoformat(),
        "dose_level": subject.dose_level_id,
        "dose_amount": "25",
        "dose_unit": "µg",
        "route": "intratumoural",
        "lot_number": "LOT-77",
        "pre_pulse_bpm": "71",
    }
    response = client.post(reverse("visit_dosing", args=[visit.pk]), data)
    assert response.status_code == 503
    page = response.content.decode()
    assert "Nothing from this form was saved" in page
    assert 'name="lot_number" value="LOT-77"' in page
    assert 'name="pre_pulse_bpm" value="71"' in page
    connection.close()
    monkeypatch.setattr(DosingRecord, "save", real_save)
    assert not DosingRecord.objects.filter(visit=visit).exists()
    assert Visit.objects.get(pk=visit.pk).completed_on is None
