"""The subject matrix: every form state, site scope, filters, and a query count that does not
grow with the subjects of the page."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dosing.services import dose_void
from review.form_status import FormStatus
from review.services import query_raise, record_lock, record_verify
from tests.ecg.factories import record_c1d1_pre_dose_ecg, record_ecg
from tests.labs.factories import add_ranges, record_result
from tests.review.factories import LATER, LOCKED_AT, SIGNED_AT, c1d1_dose, correct_c1d1, sign
from tests.trial.factories import SubjectFactory
from trial.models import Subject

pytestmark = pytest.mark.django_db


def cells(client, **params) -> dict[str, dict[str, list]]:
    """{subject: {column code: [(form name, status, open queries), ...]}} of the page."""
    response = client.get(reverse("subject_matrix"), params)
    assert response.status_code == 200
    matrix = response.context["matrix"]
    codes = [code for code, _name in matrix.columns]
    return {
        str(row.subject): {
            code: [(f.name, f.status, f.open_queries) for f in cell]
            for code, cell in zip(codes, row.cells, strict=True)
        }
        for row in matrix.rows
    }


def c1d1_of(client, subject) -> tuple:
    """The dosing CRF of C1D1 (the first of the forms the schedule expects there)."""
    form, *_labs = cells(client)[str(subject)]["C1D1"]
    return form


def test_each_state_of_a_dosing_crf_shows_in_its_cell(
    client, dosed, coordinator_a, investigator_a, monitor, data_manager
):
    client.force_login(monitor)
    row = cells(client)[str(dosed)]
    labs = [("Haematology", FormStatus.NOT_STARTED, 0), ("Chemistry", FormStatus.NOT_STARTED, 0)]
    ecgs = [
        ("ECG pre-dose", FormStatus.NOT_STARTED, 0),
        ("ECG post-dose", FormStatus.NOT_STARTED, 0),
    ]
    samples = ("Samples", FormStatus.NOT_STARTED, 0)
    assert row["C1D1"] == [("Dosing", FormStatus.COMPLETE, 0), *labs, samples, *ecgs]
    assert row["C2D1"] == [("Dosing", FormStatus.NOT_STARTED, 0), *labs, samples]
    vitals = [("Vital signs", FormStatus.NOT_STARTED, 0)]  # at every visit without a dose
    assert row["C1D8"] == [*labs, *vitals]
    assert row["C1D2"] == vitals
    assert [name for name, _status, _n in row["SCR"]] == [
        "Informed consent",
        "Eligibility",
        "Haematology",
        "Chemistry",
        "Vital signs",
        "ECG",
    ]
    assert [name for name, _status, _n in row["EOT"]] == [
        "Haematology",
        "Chemistry",
        "Vital signs",
        "ECG",
    ]

    correct_c1d1(dosed, coordinator_a, pre_pulse_bpm=None)
    assert c1d1_of(client, dosed) == ("Dosing", FormStatus.INCOMPLETE, 0)

    correct_c1d1(dosed, coordinator_a)
    sign(c1d1_dose(dosed), investigator_a, now=SIGNED_AT)
    assert c1d1_of(client, dosed) == ("Dosing", FormStatus.SIGNED, 0)

    query_raise(
        record=c1d1_dose(dosed), by=monitor, text="Lot?", field_name="lot_number", now=LATER
    )
    assert c1d1_of(client, dosed) == ("Dosing", FormStatus.SIGNED, 1)

    record_verify(record=c1d1_dose(dosed), by=monitor, now=LATER)
    assert c1d1_of(client, dosed) == ("Dosing", FormStatus.VERIFIED, 1)

    record_lock(record=c1d1_dose(dosed), by=data_manager, now=LOCKED_AT)
    assert c1d1_of(client, dosed) == ("Dosing", FormStatus.LOCKED, 1)

    content = client.get(reverse("subject_matrix")).content.decode()
    assert "Dosing: Locked, 1 open query" in content  # the text alternative of the icons
    assert "Legend:" in content and "Source-verified" in content


def test_a_lab_panel_is_one_form_signed_once_each_of_its_results_is(
    client, dosed, coordinator_a, investigator_a, monitor, site_a
):
    add_ranges(site_a, coordinator_a)
    alt = record_result(dosed, coordinator_a)  # chemistry at C1D8
    client.force_login(monitor)
    assert cells(client)[str(dosed)]["C1D8"][:2] == [
        ("Haematology", FormStatus.NOT_STARTED, 0),
        ("Chemistry", FormStatus.COMPLETE, 0),
    ]
    ast = record_result(dosed, coordinator_a, test="AST")
    sign(alt, investigator_a)
    assert cells(client)[str(dosed)]["C1D8"][1] == ("Chemistry", FormStatus.COMPLETE, 0)
    sign(ast, investigator_a)
    assert cells(client)[str(dosed)]["C1D8"][1] == ("Chemistry", FormStatus.SIGNED, 0)
    # A result entered at a visit that expects no lab panel shows in no cell.
    record_result(dosed, coordinator_a, visit_code="C1D2")
    assert cells(client)[str(dosed)]["C1D2"] == [("Vital signs", FormStatus.NOT_STARTED, 0)]


def test_an_ecg_is_a_form_of_its_time_point(client, dosed, coordinator_a, investigator_a, monitor):
    pre_dose = record_c1d1_pre_dose_ecg(dosed, coordinator_a)
    client.force_login(monitor)
    assert cells(client)[str(dosed)]["C1D1"][-2:] == [
        ("ECG pre-dose", FormStatus.COMPLETE, 0),
        ("ECG post-dose", FormStatus.NOT_STARTED, 0),
    ]
    sign(pre_dose, investigator_a)
    assert cells(client)[str(dosed)]["C1D1"][-2] == ("ECG pre-dose", FormStatus.SIGNED, 0)
    # An ECG at a visit that expects none shows in no cell (C1D8 expects no ECG).
    record_ecg(dosed, coordinator_a, "C1D8")
    assert [name for name, _s, _n in cells(client)[str(dosed)]["C1D8"]] == [
        "Haematology",
        "Chemistry",
        "Vital signs",
    ]


def test_a_voided_dose_leaves_its_cell_not_started(client, dosed, coordinator_a, monitor):
    dose_void(record=c1d1_dose(dosed), by=coordinator_a, reason="Wrong subject", now=LATER)
    client.force_login(monitor)
    assert c1d1_of(client, dosed) == ("Dosing", FormStatus.NOT_STARTED, 0)


def test_an_edit_after_signing_takes_the_form_back_to_complete(
    client, dosed, coordinator_a, investigator_a, monitor
):
    sign(c1d1_dose(dosed), investigator_a, now=SIGNED_AT)
    correct_c1d1(dosed, coordinator_a, volume_ml="1.50")
    client.force_login(monitor)
    assert c1d1_of(client, dosed) == ("Dosing", FormStatus.COMPLETE, 0)


def test_a_cell_links_to_its_form(client, dosed, coordinator_a):
    client.force_login(coordinator_a)
    content = client.get(reverse("subject_matrix")).content.decode()
    c1d1 = dosed.visits.get(code="C1D1")
    assert f'href="{reverse("visit_dosing", args=[c1d1.pk])}"' in content
    assert f'href="{reverse("screening_eligibility", args=[dosed.pk])}"' in content


def test_a_site_role_sees_only_its_sites_subjects(client, dosed, coordinator_b):
    client.force_login(coordinator_b)
    assert str(dosed) not in cells(client)
    assert cells(client, q=dosed.screening_number) == {}


def test_filters_by_number_site_status_and_dose_level(client, dosed, monitor, site_a, site_b):
    client.force_login(monitor)
    assert str(dosed) in cells(client, q=dosed.screening_number[-3:])
    assert str(dosed) in cells(client, q=dosed.subject_number)
    assert str(dosed) not in cells(client, q="no-such-number")
    assert str(dosed) in cells(client, site=site_a.pk)
    assert str(dosed) not in cells(client, site=site_b.pk)
    assert str(dosed) in cells(client, status=dosed.status)
    assert str(dosed) not in cells(client, status="screen_failed")
    assert str(dosed) in cells(client, dose_level=dosed.dose_level_id)
    other = dosed.study.dose_levels.exclude(pk=dosed.dose_level_id).first()
    assert str(dosed) not in cells(client, dose_level=other.pk)


def test_matrix_query_count_does_not_grow_with_the_page_s_subjects(
    client, monitor, settings, tmp_path, monkeypatch, django_assert_max_num_queries
):
    settings.VAR_DIR = tmp_path
    monkeypatch.setattr("review.views.MATRIX_PAGE_SIZE", 250)
    call_command("seed_large", "--subjects", "5", "--sites", "2", "--aes-per-subject", "0")
    client.force_login(monitor)
    with CaptureQueriesContext(connection) as five:
        assert len(cells(client)) >= 5
    call_command(
        "seed_large", "--subjects", "195", "--sites", "2", "--aes-per-subject", "0", "--force"
    )
    assert Subject.objects.count() >= 200
    with django_assert_max_num_queries(len(five)):
        assert len(cells(client)) >= 200


def test_the_matrix_shows_twenty_subjects_a_page(client, monitor, study, site_a, coordinator_a):
    """Twenty rows a page keep it under 200 KiB at the large seed (docs/performance.md)."""
    SubjectFactory.create_batch(25, study=study, site=site_a, created_by=coordinator_a)
    client.force_login(monitor)
    assert len(cells(client)) == 20
    assert len(cells(client, page=2)) == 5
