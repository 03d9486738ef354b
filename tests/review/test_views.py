"""Review pages through Django's client, as each role, at own and other sites."""

import csv
import io
import zoneinfo
from datetime import timedelta

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.contrib import admin
from django.contrib.admin import AdminSite
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from adverse_events.models import AdverseEvent
from adverse_events.services import ae_assess_causality
from dosing.models import DosingRecord
from review.admin import LockAwareAdminMixin
from review.models import Query, QueryStatus, RecordLock, Signature, SourceVerification
from review.selectors import rows_of
from review.services import query_close, query_raise, subject_lock
from screening.models import EligibilityAssessment
from tests.adverse_events.factories import REPORTED_AT, load_starter_dictionary, record_ae
from tests.conftest import PASSWORD
from tests.dosing.factories import dosed_subject, make_room_in_cohort
from tests.review.factories import (
    LATER,
    LOCKED_AT,
    c1d1_dose,
    correct_c1d1,
    sign,
    signed_and_locked,
)
from tests.screening.factories import PLANNED_C1D1, assessed_subject
from trial.models import Role

pytestmark = pytest.mark.django_db

DOSE = "dosing.dosingrecord"
AE = "adverse_events.adverseevent"


@pytest.fixture(autouse=True)
def dictionary(db):
    load_starter_dictionary()


@pytest.fixture(autouse=True)
def today(monkeypatch):
    monkeypatch.setattr("dosing.views._today", lambda: PLANNED_C1D1)


def record_url_of(name, record, label=DOSE):
    return reverse(name, args=[label, record.pk])


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


# --- roles ------------------------------------------------------------------------------------


def test_a_coordinator_cannot_sign_lock_or_close_a_query(
    client, dosed, coordinator_a, investigator_a, monitor
):
    dose = c1d1_dose(dosed)
    query = query_raise(record=dose, by=monitor, text="Lot?", now=LATER)
    client.force_login(coordinator_a)

    signed = client.post(record_url_of("record_sign", dose), {"password": PASSWORD})
    sign(dose, investigator_a)
    locked = client.post(record_url_of("record_lock", dose))
    closed = client.post(reverse("query_close", args=[query.pk]), {"text": "ok"})

    assert (signed.status_code, locked.status_code, closed.status_code) == (403, 403, 403)
    assert not Signature.objects.filter(rows_of(dose), signer=coordinator_a).exists()
    assert not RecordLock.objects.exists()
    assert Query.objects.get(pk=query.pk).status == QueryStatus.OPEN


def test_a_monitor_cannot_answer_a_query_as_the_site(client, dosed, monitor):
    query = query_raise(record=c1d1_dose(dosed), by=monitor, text="Lot?", now=LATER)
    client.force_login(monitor)
    response = client.post(reverse("query_answer", args=[query.pk]), {"text": "Fine"})
    assert response.status_code == 403
    assert query.messages.count() == 1


def test_an_investigator_signs_on_the_dosing_page(client, dosed, investigator_a):
    dose = c1d1_dose(dosed)
    client.force_login(investigator_a)
    page = client.get(reverse("visit_dosing", args=[dose.visit_id]))
    assert record_url_of("record_sign", dose) in page.content.decode()

    response = client.post(record_url_of("record_sign", dose), {"password": PASSWORD})

    assert response.status_code == 302 and response.url == reverse(
        "visit_dosing", args=[dose.visit_id]
    )
    [signature] = Signature.objects.filter(rows_of(dose))
    assert signature.signer == investigator_a
    assert "Signed" in client.get(response.url).content.decode()


def test_a_wrong_password_on_the_page_is_refused_with_a_message(client, dosed, investigator_a):
    dose = c1d1_dose(dosed)
    client.force_login(investigator_a)
    response = client.post(
        record_url_of("record_sign", dose), {"password": "wrong-one"}, follow=True
    )
    assert "The password is not correct." in messages_of(response)
    assert not Signature.objects.filter(rows_of(dose)).exists()


def test_eligibility_confirmation_asks_for_the_password(
    client, study, site_a, coordinator_a, investigator_a
):
    subject = assessed_subject(study=study, site=site_a, coordinator=coordinator_a)
    client.force_login(investigator_a)
    page = client.get(reverse("screening_subject", args=[subject.pk])).content.decode()
    assert 'name="password"' in page

    response = client.post(
        reverse("screening_eligibility_confirm", args=[subject.pk]),
        {"password": "wrong-one"},
        follow=True,
    )

    assert "The password is not correct." in " ".join(messages_of(response))
    assert EligibilityAssessment.objects.get(subject=subject).confirmed_at is None


# --- the sign-in lockout holds on every signing path ------------------------------------------


def _crf_sign_url(subject, coordinator):
    return record_url_of("record_sign", c1d1_dose(subject))


def _eligibility_url(subject, coordinator):
    screened = assessed_subject(study=subject.study, site=subject.site, coordinator=coordinator)
    return reverse("screening_eligibility_confirm", args=[screened.pk])


def _sae_sign_url(subject, coordinator):
    ae = record_ae(
        subject, coordinator, grade=3, serious=True, serious_criteria=["hospitalisation"]
    )
    return reverse("ae_sign", args=[ae.pk])


@pytest.mark.parametrize(
    "signing_url",
    [_crf_sign_url, _eligibility_url, _sae_sign_url],
    ids=["crf", "eligibility", "sae"],
)
def test_wrong_signing_passwords_lock_the_account_and_a_locked_account_signs_nothing(
    client, dosed, coordinator_a, investigator_a, signing_url
):
    url = signing_url(dosed, coordinator_a)
    signatures_before = Signature.objects.count()
    client.force_login(investigator_a)  # a session opened before the lock

    for _ in range(6):
        client.post(url, {"password": "wrong-password-1"})
    response = client.post(url, {"password": PASSWORD}, follow=True)

    assert "too many wrong passwords for the account inv_a" in " ".join(messages_of(response))
    assert Signature.objects.count() == signatures_before
    # The five failures up to the lock are in axes' tables (the sixth met the lock: refused
    # without being counted), and the sign-in page refuses the account too.
    [attempt] = AccessAttempt.objects.filter(username="inv_a")
    assert attempt.failures_since_start == 5
    assert AccessFailureLog.objects.filter(username="inv_a").count() == 5
    client.logout()
    sign_in = client.post(reverse("login"), {"username": "inv_a", "password": PASSWORD})
    assert sign_in.status_code == 429


# --- locked records are read-only ------------------------------------------------------------


def test_a_locked_dosing_form_has_no_save_button_and_refuses_a_post(
    client, dosed, coordinator_a, investigator_a, data_manager
):
    dose = c1d1_dose(dosed)
    signed_and_locked(dose, investigator_a, data_manager)
    client.force_login(coordinator_a)
    url = reverse("visit_dosing", args=[dose.visit_id])

    page = client.get(url)
    assert "Save dosing" not in page.content.decode()
    assert all(field.disabled for field in page.context["form"].fields.values())

    response = client.post(
        url, {"version": dose.version, "reason": "Lot", "lot_number": "LOT-HACKED"}
    )

    assert response.status_code == 400
    assert "Dosing C1D1 is locked" in response.content.decode()
    assert DosingRecord.objects.get(pk=dose.pk).lot_number == "LOT-2026-07"


def test_a_locked_ae_page_refuses_a_post(
    client, dosed, coordinator_a, investigator_a, data_manager
):
    ae = record_ae(dosed, coordinator_a)
    ae_assess_causality(
        ae=ae, by=investigator_a, relationship="unlikely", expectedness="", now=REPORTED_AT
    )
    signed_and_locked(ae, investigator_a, data_manager)
    client.force_login(coordinator_a)
    url = reverse("ae_detail", args=[ae.pk])
    assert "Save changes" not in client.get(url).content.decode()

    response = client.post(url, {"grade": "3", "reason": "Worse", "version": "2"})

    assert response.status_code == 400
    assert "AE1 Fever is locked" in response.content.decode()
    assert AdverseEvent.objects.get(pk=ae.pk).grade == 1


def test_unlocking_on_the_page_needs_a_reason(client, dosed, investigator_a, data_manager):
    dose = c1d1_dose(dosed)
    lock = signed_and_locked(dose, investigator_a, data_manager)
    client.force_login(data_manager)

    refused = client.post(record_url_of("record_unlock", dose), {"reason": ""}, follow=True)
    assert "A reason is required to unlock a record." in messages_of(refused)
    assert RecordLock.objects.get(pk=lock.pk).unlocked_at is None

    client.post(record_url_of("record_unlock", dose), {"reason": "Query on the lot"})
    lock.refresh_from_db()
    assert (lock.unlocked_by, lock.unlock_reason) == (data_manager, "Query on the lot")


def test_a_data_manager_locks_a_signed_record_on_the_page(
    client, dosed, investigator_a, data_manager
):
    dose = c1d1_dose(dosed)
    client.force_login(data_manager)
    client.post(record_url_of("record_lock", dose))
    assert not RecordLock.objects.exists()  # not signed yet
    sign(dose, investigator_a)
    client.post(record_url_of("record_lock", dose))
    assert RecordLock.objects.get().locked_by == data_manager


def test_the_lock_aware_admin_refuses_to_change_a_locked_record(
    rf, dosed, investigator_a, data_manager, admin_user
):
    dose = c1d1_dose(dosed)
    model_admin = type("DoseAdmin", (LockAwareAdminMixin, admin.ModelAdmin), {})(
        DosingRecord, AdminSite()
    )
    request = rf.get("/")
    request.user = admin_user
    assert model_admin.has_change_permission(request, dose)

    signed_and_locked(dose, investigator_a, data_manager)

    assert not model_admin.has_change_permission(request, dose)
    assert not model_admin.has_delete_permission(request, dose)
    dose.lot_number = "LOT-ADMIN"
    with pytest.raises(ValidationError, match="is locked"):
        model_admin.save_model(request, dose, form=None, change=True)
    assert DosingRecord.objects.get(pk=dose.pk).lot_number == "LOT-2026-07"


def test_no_admin_changes_a_record_of_a_locked_subject(
    client, rf, dosed, investigator_a, data_manager, admin_user
):
    sign(c1d1_dose(dosed), investigator_a)
    subject_lock(subject=dosed, by=data_manager, now=LOCKED_AT)
    request = rf.get("/")
    request.user = admin_user
    records = [dosed, c1d1_dose(dosed), dosed.eligibility, dosed.visits.first()]
    for record in records:
        model_admin = admin.site._registry.get(type(record))
        if model_admin is not None:
            assert not model_admin.has_change_permission(request, record), type(record)
    client.force_login(admin_user)
    url = reverse("admin:trial_subject_change", args=[dosed.pk])
    assert client.post(url, {"tumour_type": "hnscc"}).status_code == 403


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_the_api_offers_no_way_to_edit_a_locked_record(
    client, dosed, coordinator_a, investigator_a, data_manager, method
):
    dose = c1d1_dose(dosed)
    signed_and_locked(dose, investigator_a, data_manager)
    client.force_login(coordinator_a)
    url = reverse("api-dosing-record-detail", args=[dose.pk])
    assert client.get(url).status_code == 200
    response = getattr(client, method)(
        url, {"lot_number": "LOT-API"}, content_type="application/json"
    )
    assert response.status_code == 405
    assert DosingRecord.objects.get(pk=dose.pk).lot_number == "LOT-2026-07"


def test_review_rows_cannot_be_changed_in_the_admin(
    client, dosed, investigator_a, data_manager, admin_user
):
    lock = signed_and_locked(c1d1_dose(dosed), investigator_a, data_manager)
    client.force_login(admin_user)
    for name, pk in (
        ("admin:review_recordlock_delete", lock.pk),
        ("admin:review_signature_delete", Signature.objects.first().pk),
    ):
        assert client.post(reverse(name, args=[pk]), {"post": "yes"}).status_code == 403
    assert RecordLock.objects.get(pk=lock.pk).unlocked_at is None


# --- queries ----------------------------------------------------------------------------------


def test_query_pages_show_the_thread_and_run_the_lifecycle(client, dosed, coordinator_a, monitor):
    dose = c1d1_dose(dosed)
    client.force_login(monitor)
    client.post(
        record_url_of("query_raise", dose),
        {"field_name": "lot_number", "text": "Lot differs from the log?"},
    )
    query = Query.objects.get()
    client.force_login(coordinator_a)
    client.post(reverse("query_answer", args=[query.pk]), {"text": "Log corrected."})
    client.force_login(monitor)
    client.post(reverse("query_close", args=[query.pk]), {"text": "Agreed."})
    client.post(reverse("query_reopen", args=[query.pk]), {"text": "Still differs."})

    page = client.get(reverse("query_detail", args=[query.pk])).content.decode()

    assert Query.objects.get().status == QueryStatus.OPEN
    for text in ("Lot differs from the log?", "Log corrected.", "Agreed.", "Still differs."):
        assert text in page
    assert "product lot" in page  # the field's label


def test_open_queries_show_on_the_subject_page_and_the_form(client, dosed, coordinator_a, monitor):
    dose = c1d1_dose(dosed)
    query_raise(record=dose, by=monitor, text="Which lot?", field_name="lot_number", now=LATER)
    client.force_login(coordinator_a)

    subject_page = client.get(reverse("subject_detail", args=[dosed.pk])).content.decode()
    form_page = client.get(reverse("visit_dosing", args=[dose.visit_id])).content.decode()

    assert "Which lot?" in subject_page and "Dosing C1D1" in subject_page
    assert "<strong>product lot</strong>: Which lot?" in form_page


def test_query_list_filters_and_downloads_csv(client, dosed, coordinator_a, monitor):
    dose = c1d1_dose(dosed)
    open_query = query_raise(record=dose, by=monitor, text="Open one", now=LATER)
    closed = query_raise(record=dose, by=monitor, text="Closed one", now=LATER)
    query_close(query=closed, by=monitor, now=LATER)
    client.force_login(coordinator_a)

    listed = client.get(reverse("query_list"), {"status": "open"})
    assert [q.pk for q in listed.context["queries"]] == [open_query.pk]

    response = client.get(reverse("query_list"), {"format": "csv"})
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert response["Content-Type"] == "text/csv"
    assert rows[0][:5] == ["site", "subject", "record", "field", "status"]
    assert sorted((r[2], r[4], r[7]) for r in rows[1:]) == [
        ("Dosing C1D1", "closed", "Closed one"),
        ("Dosing C1D1", "open", "Open one"),
    ]


def test_query_list_csv_neutralises_a_formula_in_the_query_text(client, dosed, monitor):
    payload = '=HYPERLINK("http://x","open")'
    query_raise(record=c1d1_dose(dosed), by=monitor, text=payload, now=LATER)
    client.force_login(monitor)

    response = client.get(reverse("query_list"), {"format": "csv"})

    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [r["text"] for r in rows] == ["'" + payload]


# --- site scoping -------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["coordinator_b", "investigator_b", "monitor_b", "data_manager_b"])
def test_every_review_page_is_404_for_another_site(
    request, client, dosed, investigator_a, monitor, who
):
    dose = c1d1_dose(dosed)
    sign(dose, investigator_a)
    query = query_raise(record=dose, by=monitor, text="Lot?", now=LATER)
    client.force_login(request.getfixturevalue(who))
    posts = [
        record_url_of(name, dose)
        for name in ("record_sign", "record_lock", "record_unlock", "record_verify", "query_raise")
    ] + [reverse(name, args=[query.pk]) for name in ("query_answer", "query_close", "query_reopen")]
    posts += [reverse(name, args=[dosed.pk]) for name in ("subject_lock", "subject_unlock")]
    gets = [reverse("query_detail", args=[query.pk]), reverse("subject_audit", args=[dosed.pk])]

    statuses = {
        url: client.post(url, {"password": PASSWORD, "text": "x", "reason": "x"}).status_code
        for url in posts
    }
    statuses |= {url: client.get(url).status_code for url in gets}

    assert set(statuses.values()) == {404}, statuses
    assert Query.objects.count() == 1 and query.messages.count() == 1
    assert not RecordLock.objects.exists() and not SourceVerification.objects.exists()
    assert client.get(reverse("query_list")).context["queries"] == []


def test_an_unknown_kind_of_record_is_404(client, dosed, investigator_a):
    client.force_login(investigator_a)
    url = reverse("record_sign", args=["trial.membership", 1])
    assert client.post(url, {"password": PASSWORD}).status_code == 404


# --- the audit viewer -------------------------------------------------------------------------


def test_subject_audit_shows_old_and_new_values_with_who_and_why(
    client, dosed, coordinator_a, monitor
):
    correct_c1d1(dosed, coordinator_a, reason="Lot misread on the label", lot_number="LOT-2026-09")
    client.force_login(monitor)

    response = client.get(reverse("subject_audit", args=[dosed.pk]))

    rows = response.context["rows"]
    [edit] = [r for r in rows if r.entry.reason == "Lot misread on the label"]
    assert (edit.title, edit.entry.username) == ("Dosing C1D1", "coord_a")
    assert ("lot_number", "LOT-2026-07", "LOT-2026-09") in [
        (c.field, c.old, c.new) for c in edit.entry.changes
    ]
    kinds = {r.kind for r in rows}
    assert {"Subject registration", "Informed consent", "Eligibility", "Visit", "Dosing"} <= kinds
    page = response.content.decode()
    assert "view=print" in page and "LOT-2026-09" in page


def test_subject_audit_shows_labels_display_values_and_local_time(
    client, dosed, coordinator_a, monitor, settings
):
    """Issue 13: raw columns (site_id), codes and UTC times under the words "local time"."""
    settings.TIME_ZONE = "Europe/Paris"
    correct_c1d1(dosed, coordinator_a, reason="Lot misread on the label", lot_number="LOT-2026-09")
    client.force_login(monitor)

    response = client.get(reverse("subject_audit", args=[dosed.pk]))

    page = response.content.decode()
    assert ">site_id<" not in page and ">created_by_id<" not in page and ">site<" not in page
    assert ">Site<" in page and ">Product lot<" in page
    assert dosed.site.name in page  # the related record, not its id
    assert "Intratumoural injection" in page  # a choice's label, not its code
    rows = response.context["rows"]
    [edit] = [r for r in rows if r.entry.reason == "Lot misread on the label"]
    local = timezone.localtime(edit.entry.at, zoneinfo.ZoneInfo("Europe/Paris"))
    assert f"{local:%Y-%m-%d %H:%M:%S} {local:%Z}" in page  # CET or CEST, not UTC
    assert "Europe/Paris" in page


def _record_choice(client, subject, label) -> str:
    choices = client.get(reverse("subject_audit", args=[subject.pk])).context["filters"]
    [key] = [k for k, shown in choices.fields["record"].choices if shown == label]
    return key


def test_subject_audit_filters_by_record_and_dates(client, dosed, coordinator_a, monitor):
    correct_c1d1(dosed, coordinator_a, reason="Lot misread on the label", lot_number="LOT-2026-09")
    client.force_login(monitor)
    record = _record_choice(client, dosed, "Dosing: Dosing C1D1")

    only_dose = client.get(reverse("subject_audit", args=[dosed.pk]), {"record": record})
    today = timezone.localdate()
    none_yet = client.get(
        reverse("subject_audit", args=[dosed.pk]), {"since": (today + timedelta(days=1))}
    )
    today_only = client.get(
        reverse("subject_audit", args=[dosed.pk]), {"since": today, "until": today}
    )

    assert only_dose.status_code == 200
    assert {r.title for r in only_dose.context["rows"]} == {"Dosing C1D1"}
    assert none_yet.context["rows"] == []
    assert len(today_only.context["rows"]) == len(
        client.get(reverse("subject_audit", args=[dosed.pk])).context["rows"]
    )


def test_subject_audit_print_view_has_no_navigation_and_keeps_the_filters(client, dosed, monitor):
    client.force_login(monitor)
    params = {"record": _record_choice(client, dosed, "Dosing: Dosing C1D1"), "view": "print"}

    response = client.get(reverse("subject_audit", args=[dosed.pk]), params)

    page = response.content.decode()
    assert response.status_code == 200
    assert "<nav" not in page and "Printed " in page and "by monitor" in page
    assert {r.title for r in response.context["rows"]} == {"Dosing C1D1"}
    screen = client.get(reverse("subject_audit", args=[dosed.pk]), {"record": params["record"]})
    assert "view=print" in screen.content.decode()


def test_subject_audit_is_404_for_another_sites_subject(client, dosed, coordinator_b):
    client.force_login(coordinator_b)
    assert client.get(reverse("subject_audit", args=[dosed.pk])).status_code == 404


def test_subject_audit_is_not_for_sponsor_safety(client, dosed, make_user):
    client.force_login(make_user("safety", Role.SPONSOR_SAFETY, None))
    assert client.get(reverse("subject_audit", args=[dosed.pk])).status_code == 404


# --- the review queue -------------------------------------------------------------------------


def test_the_review_queue_is_for_investigators(client, dosed, coordinator_a, investigator_a):
    client.force_login(coordinator_a)
    assert client.get(reverse("review_queue")).status_code == 403
    client.force_login(investigator_a)
    response = client.get(reverse("review_queue"))
    assert [(i.title, i.task) for i in response.context["items"]] == [
        ("Dosing C1D1", "Sign the dosing CRF")
    ]
    assert 'data-testid="nav-count">1<' in response.content.decode()


def test_review_queue_and_its_count_keep_a_flat_query_count(
    client,
    study,
    site_a,
    coordinator_a,
    investigator_a,
    django_assert_max_num_queries,
):
    first = dosed_subject(study, site_a, coordinator_a, investigator_a)
    client.force_login(investigator_a)
    with CaptureQueriesContext(connection) as one:
        assert len(client.get(reverse("review_queue")).context["items"]) == 1
    make_room_in_cohort(first)
    for _ in range(2):
        subject = dosed_subject(study, site_a, coordinator_a, investigator_a)
        make_room_in_cohort(subject)
        record_ae(subject, coordinator_a)
        record_ae(subject, coordinator_a, term="Nausea")

    with django_assert_max_num_queries(len(one)):
        response = client.get(reverse("review_queue"))

    assert len(response.context["items"]) == 3 + 4


# --- source-data verification ---------------------------------------------------------------


def test_a_monitor_verifies_a_field_on_the_page(client, dosed, monitor):
    dose = c1d1_dose(dosed)
    client.force_login(monitor)
    client.post(record_url_of("record_verify", dose), {"field_name": "lot_number"})
    [verification] = SourceVerification.objects.all()
    assert (verification.field_name, verification.verified_by) == ("lot_number", monitor)
    client.post(record_url_of("record_verify", dose), {"field_name": ""})
    page = client.get(reverse("visit_dosing", args=[dose.visit_id])).content.decode()
    assert "Verified</span> by monitor" in page


def test_the_sign_box_is_gone_once_signed_and_back_after_an_edit(
    client, dosed, coordinator_a, investigator_a
):
    """Issue 13: the Sign box was still offered after signing."""
    client.force_login(investigator_a)
    url = reverse("visit_dosing", args=[c1d1_dose(dosed).visit_id])
    sign(c1d1_dose(dosed), investigator_a)

    signed = client.get(url)
    correct_c1d1(dosed, coordinator_a, reason="Lot misread", lot_number="LOT-2026-09")
    edited = client.get(url)

    assert signed.context["review"].can_sign is False
    assert 'id="sign-password"' not in signed.content.decode()
    assert edited.context["review"].signature_state == "invalidated"
    assert 'id="sign-password"' in edited.content.decode()


# The query list and the audit viewer are one page whatever the size of the trial (issue 22).


def test_query_list_queries_do_not_grow_with_the_subjects(
    client, monitor, seed_subjects, monkeypatch, django_assert_max_num_queries
):
    PAGE_SIZE = 10  # the seed raises a query for about one subject in ten
    monkeypatch.setattr("trial.paging.PAGE_SIZE", PAGE_SIZE)
    client.force_login(monitor)
    seed_subjects(5)
    for dose in DosingRecord.objects.order_by("pk")[:3]:  # the seed's few have none yet
        query_raise(record=dose, by=monitor, text="Which lot?", field_name="lot_number", now=LATER)
    with CaptureQueriesContext(connection) as five:
        small = client.get(reverse("query_list")).context["page"]
    assert 0 < small.paginator.count < PAGE_SIZE
    seed_subjects(200)
    with django_assert_max_num_queries(len(five)):
        response = client.get(reverse("query_list"))
    assert len(response.context["queries"]) == PAGE_SIZE < response.context["page"].paginator.count
    assert len(response.content) < 200 * 1024


def test_query_list_pager_keeps_the_filters(client, monitor, seed_subjects, monkeypatch):
    monkeypatch.setattr("trial.paging.PAGE_SIZE", 5)
    client.force_login(monitor)
    seed_subjects(200)
    response = client.get(reverse("query_list"), {"status": "active"})
    assert 'href="?status=active&amp;page=2"' in response.content.decode()
    second = client.get(reverse("query_list"), {"status": "active", "page": 2})
    assert all(q.status != QueryStatus.CLOSED for q in second.context["queries"])


def test_subject_audit_is_one_page_and_its_queries_do_not_grow_with_the_subjects(
    client, monitor, seed_subjects, monkeypatch, django_assert_max_num_queries
):
    from trial.models import Subject

    monkeypatch.setattr("review.views.AUDIT_PAGE_SIZE", 10)
    client.force_login(monitor)
    seed_subjects(5)
    subject = Subject.objects.exclude(subject_number=None).order_by("pk").first()
    url = reverse("subject_audit", args=[subject.pk])
    with CaptureQueriesContext(connection) as five:
        first = client.get(url)
    total = first.context["page"].paginator.count
    assert len(first.context["rows"]) == 10 < total
    seed_subjects(200)
    with django_assert_max_num_queries(len(five)):
        again = client.get(url)
    assert again.context["page"].paginator.count == total
    printed = client.get(url, {"view": "print"})
    assert len(printed.context["rows"]) == total


def test_review_queue_is_one_page_counted_as_its_list_and_its_queries_do_not_grow(
    client, investigator_a, seed_subjects, monkeypatch, django_assert_max_num_queries
):
    from followup.my_tasks import my_tasks
    from review.selectors import review_queue

    monkeypatch.setattr("trial.paging.PAGE_SIZE", 10)
    client.force_login(investigator_a)
    seed_subjects(5)
    with CaptureQueriesContext(connection) as five:
        assert client.get(reverse("review_queue")).status_code == 200
    seed_subjects(200)
    with django_assert_max_num_queries(len(five)):
        response = client.get(reverse("review_queue"))
    page = response.context["page"]
    assert len(response.context["items"]) == 10 < page.paginator.count
    assert len(response.content) < 200 * 1024
    # The page's count, the list and the navigation's count (stored per site) agree.
    now = timezone.now()
    (section,) = my_tasks(investigator_a, today=now.date(), now=now)
    navigation = {task.key: task.count for task in section.tasks}["review"]
    assert page.paginator.count == len(review_queue(investigator_a)) == navigation
    second = client.get(reverse("review_queue"), {"page": 2})
    shown = response.context["items"] + second.context["items"]
    assert len({(item.record._meta.label, item.record.pk, item.task) for item in shown}) == 20
