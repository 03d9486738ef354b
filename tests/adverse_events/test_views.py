"""AE pages through Django's client, as each role, at own and other sites."""

import csv
import io
from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from adverse_events.forms import term_label
from adverse_events.models import AdverseEvent
from adverse_events.rules import ClockState
from adverse_events.services import ae_assess_causality, ae_update, sae_report_sign
from tests.adverse_events.factories import (
    AE_ONSET,
    FATIGUE,
    GI_OTHER,
    REPORTED_AT,
    ae_values,
    ctcae,
    form_data,
    load_starter_dictionary,
    record_ae,
)
from tests.conftest import PASSWORD
from tests.dosing.factories import dosed_subject
from tests.rendered_form import lost_values, submitted_values
from tests.screening.factories import at
from trial.models import Role

pytestmark = pytest.mark.django_db

# The pages' clock: one hour after the AEs of the fixtures were recorded.
VIEW_NOW = REPORTED_AT + timedelta(hours=1)


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch):
    monkeypatch.setattr("adverse_events.views._now", lambda: VIEW_NOW)


@pytest.fixture(autouse=True)
def dictionary(db):
    load_starter_dictionary()


@pytest.fixture
def investigator_b(make_user, site_b):
    return make_user("inv_b", Role.INVESTIGATOR, site_b)


@pytest.fixture
def sponsor_safety(make_user, study):
    return make_user("safety", Role.SPONSOR_SAFETY, None)


@pytest.fixture
def subject_a(study, site_a, coordinator_a, investigator_a):
    return dosed_subject(study, site_a, coordinator_a, investigator_a)


@pytest.fixture
def subject_b(study, site_b, coordinator_b, investigator_b):
    return dosed_subject(study, site_b, coordinator_b, investigator_b)


@pytest.fixture
def aes(subject_a, subject_b, coordinator_a, coordinator_b, investigator_a, investigator_b):
    """Four AEs, three at site A and one SAE at site B, each in or out of one filter."""
    mild = record_ae(subject_a, coordinator_a, grade=1)  # fever, ongoing, not assessed
    severe = record_ae(
        subject_a,
        coordinator_a,
        term="Vomiting",
        grade=3,
        serious=True,
        serious_criteria=["hospitalisation"],
        ongoing=False,
        end_date=AE_ONSET,
        outcome="recovered",
    )
    unrelated = record_ae(subject_a, coordinator_a, term="Headache", grade=2)
    # Site B became aware the day before, 8:00: its 24-hour report is overdue at VIEW_NOW.
    onset_b = AE_ONSET - timedelta(days=1)
    sae_b = record_ae(
        subject_b,
        coordinator_b,
        grade=3,
        onset_date=onset_b,
        serious=True,
        serious_criteria=["hospitalisation"],
        aware_at=at(onset_b, 8),
    )
    for ae, by, relationship in (
        (severe, investigator_a, "possible"),
        (unrelated, investigator_a, "not_related"),
        (sae_b, investigator_b, "probable"),
    ):
        ae_assess_causality(
            ae=ae, by=by, relationship=relationship, expectedness="expected", now=REPORTED_AT
        )
    return {"mild": mild, "severe": severe, "unrelated": unrelated, "sae_b": sae_b}


def listed(client, **params) -> set[int]:
    response = client.get(reverse("ae_list"), params)
    assert response.status_code == 200
    return {ae.pk for ae in response.context["events"]}


def ids(aes, *names) -> set[int]:
    return {aes[name].pk for name in names}


def csv_rows(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.content.decode())))


# New AE form


def test_new_ae_form_opens_for_a_coordinator_of_the_subject_s_site(
    client, subject_a, coordinator_a
):
    client.force_login(coordinator_a)

    response = client.get(reverse("ae_new", args=[subject_a.pk]))

    assert response.status_code == 200
    assert term_label(ctcae(FATIGUE)) in response.content.decode()


def test_new_ae_form_is_not_found_for_a_coordinator_of_another_site(
    client, subject_a, coordinator_b
):
    client.force_login(coordinator_b)

    assert client.get(reverse("ae_new", args=[subject_a.pk])).status_code == 404
    response = client.post(reverse("ae_new", args=[subject_a.pk]), form_data(ae_values()))
    assert response.status_code == 404
    assert not AdverseEvent.objects.exists()


def test_posting_a_valid_ae_records_it_and_redirects_to_it(client, subject_a, coordinator_a):
    client.force_login(coordinator_a)

    response = client.post(
        reverse("ae_new", args=[subject_a.pk]),
        form_data(ae_values(grade=2, treatment_given="Paracetamol 1 g")),
    )

    ae = AdverseEvent.objects.get()
    assert response.status_code == 302, response.context["form"].errors.as_json()
    assert response.url == reverse("ae_detail", args=[ae.pk])
    assert (ae.subject, ae.term, ae.grade, ae.sequence) == (subject_a, ctcae("Fever"), 2, 1)
    assert (ae.recorded_by, ae.period) == (coordinator_a, "treatment_emergent")


def test_posting_a_serious_ae_with_its_awareness_time_starts_the_clock_then(
    client, subject_a, coordinator_a
):
    client.force_login(coordinator_a)
    aware = at(AE_ONSET, 9)
    values = ae_values(grade=3, serious=True, serious_criteria=["hospitalisation"], aware_at=aware)

    response = client.post(reverse("ae_new", args=[subject_a.pk]), form_data(values), follow=True)

    ae = AdverseEvent.objects.get()
    assert (ae.aware_at, ae.sae_report_due_at) == (aware, aware + timedelta(hours=24))
    assert response.redirect_chain == [(reverse("ae_detail", args=[ae.pk]), 302)]
    due = f"{(aware + timedelta(hours=24)):%Y-%m-%d %H:%M}"
    assert f"SAE: the report to the sponsor is due by {due}" in response.content.decode()


def test_posting_a_serious_ae_without_awareness_time_starts_the_clock_now(
    client, subject_a, coordinator_a
):
    client.force_login(coordinator_a)
    values = ae_values(grade=3, serious=True, serious_criteria=["hospitalisation"])

    response = client.post(reverse("ae_new", args=[subject_a.pk]), form_data(values))

    assert response.status_code == 302, response.context["form"].errors.as_json()
    ae = AdverseEvent.objects.get()
    assert ae.aware_at == VIEW_NOW
    assert ae.sae_report_due_at == VIEW_NOW + timedelta(hours=24)


def test_grade_that_does_not_exist_for_the_term_is_refused_with_the_input_kept(
    client, subject_a, coordinator_a
):
    client.force_login(coordinator_a)
    values = ae_values(FATIGUE, grade=4, treatment_given="Rest at home")

    response = client.post(reverse("ae_new", args=[subject_a.pk]), form_data(values))

    form = response.context["form"]
    assert response.status_code == 400
    assert list(form.errors) == ["grade"]
    assert "Grade 4 does not exist for the CTCAE term 'Fatigue' (grades: 1, 2, 3)" in " ".join(
        form.errors["grade"]
    )
    assert form.data["treatment_given"] == "Rest at home"
    assert form.data["grade"] == "4"
    content = response.content.decode()
    assert f'value="{term_label(ctcae(FATIGUE))}"' in content
    assert "Rest at home" in content
    assert not AdverseEvent.objects.exists()


def test_chosen_grade_and_every_value_are_kept_after_a_validation_error(
    client, subject_a, coordinator_a
):
    """Issue 13: the grade was cleared after any error, so the next save failed again."""
    client.force_login(coordinator_a)
    url = reverse("ae_new", args=[subject_a.pk])
    # Serious without an ICH E2A criterion: refused, with everything typed kept.
    posted = form_data(
        ae_values(
            grade=3,
            serious=True,
            aware_at=at(AE_ONSET, 9),
            treatment_given="Paracetamol 1 g",
            verbatim_term="High fever",
            ongoing=False,
            end_date=AE_ONSET + timedelta(days=1),
            outcome="recovered",
        )
    )

    response = client.post(url, posted)

    assert response.status_code == 400
    assert "serious_criteria" in response.context["form"].errors
    html = response.content.decode()
    assert 'id="grade-3" value="3" checked' in html
    assert lost_values(posted, html) == {}


def test_grade_texts_show_only_the_grades_of_the_chosen_term(client, coordinator_a):
    client.force_login(coordinator_a)
    fatigue = ctcae(FATIGUE)

    response = client.get(reverse("ctcae_grades"), {"term": term_label(fatigue)})

    content = response.content.decode()
    assert response.status_code == 200
    assert response.context["selected_term"] == fatigue
    for grade in (1, 2, 3):
        assert f"Grade {grade}" in content
        assert fatigue.grade_text(grade) in content
    assert "Grade 4" not in content
    assert "Grade 5" not in content


def test_grade_texts_of_an_unknown_term_are_empty(client, coordinator_a):
    client.force_login(coordinator_a)

    response = client.get(reverse("ctcae_grades"), {"term": "Not a CTCAE term"})

    assert response.status_code == 200
    assert response.context["selected_term"] is None
    assert "Grade 1" not in response.content.decode()


# AE list and CSV


def test_ae_list_shows_only_the_coordinator_s_site(client, aes, coordinator_a, coordinator_b):
    client.force_login(coordinator_a)
    assert listed(client) == ids(aes, "mild", "severe", "unrelated")

    client.force_login(coordinator_b)
    assert listed(client) == ids(aes, "sae_b")


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"serious": "yes"}, ("severe",)),
        ({"serious": "no"}, ("mild", "unrelated")),
        ({"grade": "2"}, ("severe", "unrelated")),
        ({"grade": "3"}, ("severe",)),
        ({"related": "yes"}, ("severe",)),
        ({"related": "no"}, ("unrelated",)),
        ({"related": "pending"}, ("mild",)),
        ({"soc": "gastrointestinal"}, ("severe",)),
        ({"soc": "nervous"}, ("unrelated",)),
        ({"state": "open"}, ("mild", "unrelated")),
        ({"state": "closed"}, ("severe",)),
    ],
    ids=lambda v: "-".join(f"{k}={w}" for k, w in v.items()) if isinstance(v, dict) else None,
)
def test_ae_list_filter_keeps_matching_aes_and_drops_the_others(
    client, aes, coordinator_a, params, expected
):
    client.force_login(coordinator_a)

    assert listed(client, **params) == ids(aes, *expected)


def test_ae_list_grade_filter_uses_the_worst_grade(client, aes, coordinator_a):
    mild = aes["mild"]
    for version, grade in ((1, 3), (2, 1)):
        ae_update(
            ae=mild,
            by=coordinator_a,
            values=ae_values(grade=grade),
            reason="Follow-up",
            expected_version=version,
            now=REPORTED_AT,
        )
    client.force_login(coordinator_a)

    assert mild.pk in listed(client, grade="3")


def test_ae_list_csv_is_scoped_to_the_user_s_sites(client, aes, coordinator_a):
    client.force_login(coordinator_a)

    response = client.get(reverse("ae_list"), {"format": "csv"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = csv_rows(response)
    assert {(r["site"], r["aeseq"], r["term"]) for r in rows} == {
        ("FR01", "1", "Fever"),
        ("FR01", "2", "Vomiting"),
        ("FR01", "3", "Headache"),
    }


def test_ae_list_csv_neutralises_a_formula_in_the_verbatim_term(client, subject_a, coordinator_a):
    payload = '=HYPERLINK("http://x","open")'
    record_ae(subject_a, coordinator_a, term=GI_OTHER, verbatim_term=payload)
    client.force_login(coordinator_a)

    rows = csv_rows(client.get(reverse("ae_list"), {"format": "csv"}))

    assert [r["term"] for r in rows] == ["'" + payload]


def test_ae_list_csv_follows_the_filters(client, aes, coordinator_a):
    client.force_login(coordinator_a)

    response = client.get(reverse("ae_list"), {"format": "csv", "serious": "yes"})

    assert [(r["term"], r["serious"]) for r in csv_rows(response)] == [("Vomiting", "Y")]


def test_monitor_sees_the_ae_list_of_every_site(client, aes, monitor):
    client.force_login(monitor)

    assert listed(client) == ids(aes, "mild", "severe", "unrelated", "sae_b")


def test_ae_list_queries_do_not_grow_with_the_number_of_aes(
    client,
    subject_a,
    subject_b,
    coordinator_a,
    coordinator_b,
    monitor,
    django_assert_max_num_queries,
):
    for term in ("Fever", "Nausea", "Headache"):
        record_ae(subject_a, coordinator_a, term=term)
    client.force_login(monitor)
    with CaptureQueriesContext(connection) as three:
        assert client.get(reverse("ae_list")).status_code == 200
    for term in ("Fatigue", "Chills", "Pain", "Myalgia"):
        record_ae(subject_a, coordinator_a, term=term, grade=2)
    for term in ("Arthralgia", "Pruritus", "Diarrhea", "Vomiting"):
        record_ae(subject_b, coordinator_b, term=term)
    record_ae(
        subject_b,
        coordinator_b,
        grade=3,
        serious=True,
        serious_criteria=["hospitalisation"],
    )
    assert AdverseEvent.objects.count() == 12

    with django_assert_max_num_queries(len(three)):
        response = client.get(reverse("ae_list"))

    assert len(response.context["events"]) == 12


# Sponsor safety: SAEs across sites, nothing else


def test_sponsor_safety_sees_the_sae_list_of_every_site(client, aes, sponsor_safety):
    client.force_login(sponsor_safety)

    response = client.get(reverse("sae_list"))

    assert response.status_code == 200
    assert {ae.pk for ae, _clock in response.context["rows"]} == ids(aes, "severe", "sae_b")


def test_sponsor_safety_opens_an_sae_but_not_an_ae_that_is_not_serious(client, aes, sponsor_safety):
    client.force_login(sponsor_safety)

    sae = client.get(reverse("ae_detail", args=[aes["sae_b"].pk]))
    assert sae.status_code == 200
    assert sae.context["form"] is None
    assert client.get(reverse("ae_detail", args=[aes["mild"].pk])).status_code == 404


def test_sponsor_safety_sees_no_entries_in_the_ae_list(client, aes, sponsor_safety):
    client.force_login(sponsor_safety)

    assert listed(client) == set()
    assert csv_rows(client.get(reverse("ae_list"), {"format": "csv"})) == []


def test_coordinator_sees_only_the_saes_of_the_site(client, aes, coordinator_a):
    client.force_login(coordinator_a)

    response = client.get(reverse("sae_list"))

    assert {ae.pk for ae, _clock in response.context["rows"]} == ids(aes, "severe")


def test_sae_list_shows_the_24_hour_clock_of_each_sae(client, aes, monitor):
    client.force_login(monitor)

    response = client.get(reverse("sae_list"))

    clocks = {ae.pk: clock for ae, clock in response.context["rows"]}
    on_time = clocks[aes["severe"].pk]
    overdue = clocks[aes["sae_b"].pk]
    assert (on_time.state, on_time.remaining) == (ClockState.ON_TIME, timedelta(hours=23))
    assert overdue.state == ClockState.OVERDUE
    assert overdue.remaining == -timedelta(hours=8)
    content = response.content.decode()
    assert "23 h 00 min left" in content
    assert "SAE report overdue by 8 h 00 min" in content


def test_sae_list_puts_the_overdue_unsigned_report_first_and_signed_reports_last(
    client, aes, monitor, subject_a, coordinator_a, investigator_a
):
    # A signed SAE whose clock ran out long ago must not sit above an overdue unsigned one.
    signed = record_ae(
        subject_a,
        coordinator_a,
        term="Headache",
        grade=3,
        onset_date=AE_ONSET - timedelta(days=2),
        serious=True,
        serious_criteria=["hospitalisation"],
        aware_at=at(AE_ONSET - timedelta(days=2), 8),
    )
    sae_report_sign(ae=signed, by=investigator_a, password=PASSWORD, now=REPORTED_AT)
    client.force_login(monitor)

    response = client.get(reverse("sae_list"))

    order = [ae.pk for ae, _clock in response.context["rows"]]
    # Overdue unsigned (site B), then unsigned with 23 h left, then the signed one.
    assert order == [aes["sae_b"].pk, aes["severe"].pk, signed.pk]


# Causality: investigators of the subject's site only


def test_monitor_cannot_post_causality(client, aes, monitor):
    client.force_login(monitor)
    mild = aes["mild"]

    response = client.post(reverse("ae_causality", args=[mild.pk]), {"relationship": "definite"})

    assert response.status_code == 403
    mild.refresh_from_db()
    assert (mild.relationship, mild.version) == ("", 1)


def test_coordinator_cannot_post_causality(client, aes, coordinator_a):
    client.force_login(coordinator_a)
    mild = aes["mild"]

    response = client.post(reverse("ae_causality", args=[mild.pk]), {"relationship": "definite"})

    assert response.status_code == 403
    mild.refresh_from_db()
    assert mild.relationship == ""


def test_investigator_of_another_site_cannot_find_the_ae(client, aes, investigator_b):
    client.force_login(investigator_b)
    mild = aes["mild"]

    response = client.post(reverse("ae_causality", args=[mild.pk]), {"relationship": "definite"})

    assert response.status_code == 404
    mild.refresh_from_db()
    assert mild.relationship == ""


def test_investigator_posts_causality(client, aes, investigator_a):
    client.force_login(investigator_a)
    mild = aes["mild"]

    response = client.post(
        reverse("ae_causality", args=[mild.pk]),
        {"relationship": "probable", "expectedness": "unexpected"},
    )

    assert response.status_code == 302
    assert response.url == reverse("ae_detail", args=[mild.pk])
    mild.refresh_from_db()
    assert (mild.relationship, mild.expectedness) == ("probable", "unexpected")
    assert (mild.relationship_by, mild.relationship_at) == (investigator_a, VIEW_NOW)


# Editing


def test_edit_from_a_stale_page_is_refused_and_keeps_the_input(
    client, aes, coordinator_a, investigator_a
):
    mild = aes["mild"]
    client.force_login(investigator_a)
    url = reverse("ae_detail", args=[mild.pk])
    first = form_data(ae_values(grade=2)) | {"version": "1", "reason": "Grade 2 in notes"}
    assert client.post(url, first).status_code == 302

    client.force_login(coordinator_a)
    stale = form_data(ae_values(grade=3, treatment_given="Ibuprofen"))
    response = client.post(url, stale | {"version": "1", "reason": "Worse"})

    assert response.status_code == 400
    form = response.context["form"]
    assert "saved by someone else" in " ".join(form.non_field_errors())
    assert form.data["treatment_given"] == "Ibuprofen"
    mild.refresh_from_db()
    assert (mild.grade, mild.version) == (2, 2)


# A NUL character anywhere is refused with a 400 naming the field (it used to reach
# PostgreSQL and end in a 500).


@pytest.mark.parametrize(
    ("url", "params", "field"),
    [("ctcae_grades", {"term": "Fever\x00"}, "term"), ("ctcae_search", {"q": "Fe\x00ver"}, "q")],
)
def test_a_nul_character_in_a_dictionary_lookup_is_a_400_naming_the_field(
    client, coordinator_a, url, params, field
):
    client.force_login(coordinator_a)

    response = client.get(reverse(url), params)

    assert response.status_code == 400
    assert f"{field}: contains a NUL character" in response.content.decode()


def test_a_nul_character_in_the_ae_term_is_a_400_and_records_nothing(
    client, subject_a, coordinator_a
):
    client.force_login(coordinator_a)
    data = form_data(ae_values()) | {"term": "Fever\x00"}

    response = client.post(reverse("ae_new", args=[subject_a.pk]), data)

    assert response.status_code == 400
    assert "term: contains a NUL character" in response.content.decode()
    assert not AdverseEvent.objects.exists()


# The AE page's side forms keep what was typed (issue 13)


def test_void_refused_keeps_the_reason_typed(client, aes, coordinator_a):
    mild = aes["mild"]
    client.force_login(coordinator_a)
    action = reverse("ae_void", args=[mild.pk])
    posted = {"reason": "Duplicate of AE2 " * 40}  # over the 500 characters allowed

    response = client.post(action, posted)

    assert response.status_code == 400
    assert response.context["void_form"].errors
    assert lost_values(posted, response.content.decode(), action) == {}
    mild.refresh_from_db()
    assert mild.voided_at is None


def test_causality_refused_keeps_the_expectedness_chosen(client, aes, investigator_a):
    mild = aes["mild"]
    client.force_login(investigator_a)
    action = reverse("ae_causality", args=[mild.pk])
    posted = {"expectedness": "unexpected"}  # the relationship is missing

    response = client.post(action, posted)

    assert response.status_code == 400
    assert "relationship" in response.context["causality_form"].errors
    assert lost_values(posted, response.content.decode(), action) == {}


def test_dlt_decision_is_shown_chosen_after_it_was_recorded(client, aes, investigator_a):
    from adverse_events.services import ae_decide_dlt

    severe = aes["severe"]  # grade 3, possibly related, in the DLT window: a candidate
    severe.refresh_from_db()
    assert severe.dlt_candidate, severe.dlt_candidate_reason
    ae_decide_dlt(ae=severe, by=investigator_a, is_dlt=True, now=VIEW_NOW)
    client.force_login(investigator_a)

    response = client.get(reverse("ae_detail", args=[severe.pk]))

    html = response.content.decode()
    assert submitted_values(html, reverse("ae_dlt", args=[severe.pk])) == {"is_dlt": ["yes"]}
    assert "DLT candidate: DLT candidate" not in html
    assert html.count("DLT candidate") == 1


def test_ae_list_filters_are_block_controls_under_their_labels(client, coordinator_a):
    """Issue 13: inline selects ran into their labels."""
    client.force_login(coordinator_a)

    page = client.get(reverse("ae_list")).content.decode()

    for name in ("grade", "serious", "related", "state"):
        assert f'<select name="{name}" class="form-select form-select-sm"' in page
    assert '<input type="text" name="soc" class="form-control form-control-sm"' in page


# The AE and SAE lists are one page whatever the size of the trial (issue 22): the same
# queries at 5 and at 200 subjects, one page of rows and the total from one count.


@pytest.mark.parametrize(
    ("page", "rows"),
    [("ae_list", lambda r: r.context["events"]), ("sae_list", lambda r: r.context["page"])],
)
def test_ae_lists_queries_do_not_grow_with_the_subjects(
    client, monitor, seed_subjects, django_assert_max_num_queries, page, rows
):
    from trial.paging import PAGE_SIZE

    client.force_login(monitor)
    seed_subjects(5, aes_per_subject=4)
    with CaptureQueriesContext(connection) as five:
        small = rows(client.get(reverse(page)))
    assert 0 < small.paginator.count < PAGE_SIZE
    seed_subjects(200, aes_per_subject=4)
    with django_assert_max_num_queries(len(five)):
        response = client.get(reverse(page))
    large = rows(response)
    assert len(large) == PAGE_SIZE < large.paginator.count
    assert f"({large.paginator.count})" in response.content.decode()
    assert len(response.content) < 200 * 1024


def test_sae_list_second_page_continues_in_the_same_order(client, monitor, seed_subjects):
    client.force_login(monitor)
    seed_subjects(200, aes_per_subject=4)
    first = [ae.pk for ae, _ in client.get(reverse("sae_list")).context["rows"]]
    second = [ae.pk for ae, _ in client.get(reverse("sae_list"), {"page": 2}).context["rows"]]
    ordered = list(
        AdverseEvent.objects.filter(serious=True, voided_at__isnull=True)
        .order_by(F("sae_reported_at").desc(nulls_first=True), "sae_report_due_at", "pk")
        .values_list("pk", flat=True)[:100]
    )
    assert first + second == ordered[: len(first) + len(second)] and len(second) > 0


def test_ae_list_pages_go_from_the_latest_onset_and_use_their_index(client, monitor, seed_subjects):
    from django.db import connection

    from adverse_events.views import LIST_ORDER

    client.force_login(monitor)
    seed_subjects(30, aes_per_subject=4)
    first = list(client.get(reverse("ae_list")).context["events"])
    second = list(client.get(reverse("ae_list"), {"page": 2}).context["events"])
    live = AdverseEvent.objects.filter(voided_at__isnull=True)
    ordered = list(live.order_by(*LIST_ORDER).values_list("pk", flat=True))
    assert [ae.pk for ae in first + second] == ordered[: len(first) + len(second)]
    assert len(second) > 0
    onsets = [ae.onset_date for ae in first + second]
    assert onsets == sorted(onsets, reverse=True)
    # The page is read from the partial index in that order, not sorted (issue 22).
    sql, params = live.order_by(*LIST_ORDER)[:50].query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "ae_live_by_onset" in plan and "Sort" not in plan


# --- the medical history's baseline grade, on the AE form -------------------------------------


def test_the_ae_form_says_an_ae_not_worse_than_baseline_is_not_an_ae(
    client, subject_a, coordinator_a
):
    from history.services import medical_history_record
    from tests.history.factories import history_values, hypertension_term

    medical_history_record(
        subject=subject_a, by=coordinator_a, values=history_values(), now=REPORTED_AT
    )
    ae = record_ae(subject_a, coordinator_a, term=hypertension_term().term, grade=2)
    client.force_login(coordinator_a)

    page = client.get(reverse("ae_detail", args=[ae.pk])).content.decode()
    assert 'data-testid="baseline-note"' in page
    assert "Grade 2 is not worse than the baseline grade 2 of MH1 Hypertension" in page

    ae_update(
        ae=ae,
        by=coordinator_a,
        values=ae_values(term=hypertension_term().term, grade=3),
        reason="Worsened",
        expected_version=ae.version,
        now=REPORTED_AT,
    )
    page = client.get(reverse("ae_detail", args=[ae.pk])).content.decode()
    assert "Grade 3 is worse than the baseline grade 2 of MH1 Hypertension" in page


def test_the_ae_form_says_nothing_of_baselines_without_a_history(client, subject_a, coordinator_a):
    ae = record_ae(subject_a, coordinator_a, grade=2)
    client.force_login(coordinator_a)
    page = client.get(reverse("ae_detail", args=[ae.pk])).content.decode()
    assert 'data-testid="baseline-note"' not in page
