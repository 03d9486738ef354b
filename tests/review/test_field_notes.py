"""An open query and the source-data verification show on the field itself of a CRF."""

import pytest
from django.urls import reverse

from review.field_notes import field_notes
from review.services import query_answer, query_close, query_raise, record_verify
from tests.review.factories import LATER, c1d1_dose, correct_c1d1

pytestmark = pytest.mark.django_db


def kinds(notes, name):
    return [note.kind for note in notes.get(name, [])]


def test_open_and_answered_queries_show_on_their_field_until_closed(dosed, monitor, coordinator_a):
    dose = c1d1_dose(dosed)
    query = query_raise(record=dose, by=monitor, text="Lot?", field_name="lot_number", now=LATER)
    query_raise(record=dose, by=monitor, text="Whole form", now=LATER)  # not on a field
    notes = field_notes(dose)
    assert set(notes) == {"lot_number"}
    assert notes["lot_number"][0].text == "Query (open): Lot?"
    query_answer(query=query, by=coordinator_a, text="LOT-2026-07", now=LATER)
    assert field_notes(dose)["lot_number"][0].text.startswith("Query (answered")
    query_close(query=query, by=monitor, now=LATER)
    assert field_notes(dose) == {}


def test_a_field_verification_shows_until_an_edit_clears_it(dosed, monitor, coordinator_a):
    dose = c1d1_dose(dosed)
    record_verify(record=dose, by=monitor, field_name="volume_ml", now=LATER)
    assert kinds(field_notes(dose), "volume_ml") == ["verified"]
    correct_c1d1(dosed, coordinator_a, volume_ml="1.50")
    assert kinds(field_notes(c1d1_dose(dosed)), "volume_ml") == ["cleared"]
    # Another field's edit leaves a field's verification standing.
    record_verify(record=c1d1_dose(dosed), by=monitor, field_name="lot_number", now=LATER)
    correct_c1d1(dosed, coordinator_a, volume_ml="1.50", pre_pulse_bpm="74")
    assert kinds(field_notes(c1d1_dose(dosed)), "lot_number") == ["verified"]


def test_the_dosing_form_shows_the_query_and_the_verification_on_the_field(
    client, dosed, monitor, coordinator_a
):
    dose = c1d1_dose(dosed)
    query_raise(record=dose, by=monitor, text="Check the lot", field_name="lot_number", now=LATER)
    record_verify(record=dose, by=monitor, field_name="volume_ml", now=LATER)
    client.force_login(coordinator_a)

    form = client.get(reverse("visit_dosing", args=[dose.visit_id])).context["form"]

    assert "Query (open): Check the lot" in form.fields["lot_number"].help_text
    assert "Source-verified by monitor" in form.fields["volume_ml"].help_text
    assert "field-query" in form.fields["lot_number"].widget.attrs["class"]


def test_the_ae_form_shows_a_field_query_on_the_field(client, dosed, monitor, coordinator_a):
    from tests.adverse_events.factories import load_starter_dictionary, record_ae

    load_starter_dictionary()
    ae = record_ae(dosed, coordinator_a, grade=1)
    query_raise(record=ae, by=monitor, text="Grade 2 per notes?", field_name="grade", now=LATER)
    client.force_login(coordinator_a)

    form = client.get(reverse("ae_detail", args=[ae.pk])).context["form"]

    assert "Query (open): Grade 2 per notes?" in form.fields["grade"].help_text
