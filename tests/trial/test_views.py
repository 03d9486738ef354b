import pytest
from django.urls import reverse

from tests.conftest import PASSWORD
from tests.trial.factories import SubjectFactory
from trial.models import Role


@pytest.fixture
def subject_a(study, site_a, coordinator_a):
    return SubjectFactory(study=study, site=site_a, created_by=coordinator_a)


@pytest.fixture
def subject_b(study, site_b, coordinator_b):
    return SubjectFactory(study=study, site=site_b, created_by=coordinator_b)


def test_login_page_answers(client, db):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert b'name="password"' in response.content


def test_pages_need_login(client, db):
    response = client.get(reverse("subject_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_login_with_password_reaches_home(client, coordinator_a):
    response = client.post(
        reverse("login"), {"username": "coord_a", "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("home")
    assert b"Site coordinator" in response.content


def test_wrong_password_is_refused(client, coordinator_a):
    response = client.post(reverse("login"), {"username": "coord_a", "password": "nope"})
    assert response.status_code == 200
    assert b"Please enter a correct username and password" in response.content


def test_navigation_shows_administration_only_to_admins(client, coordinator_a, admin_user):
    client.force_login(coordinator_a)
    assert b"Administration" not in client.get(reverse("home")).content
    client.force_login(admin_user)
    assert b"Administration" in client.get(reverse("home")).content


EVERYONE_SEES = {"Home", "My tasks", "Subjects", "Matrix", "SAEs"}
STUDY_MENU = {"Overview", "Screening log", "Dose escalation", "Study configuration"}
READERS_SEE = EVERYONE_SEES | {"AEs", "Queries"}
DATA_ENTRY_SEES = READERS_SEE | {"Worklist", "Register"}


@pytest.mark.parametrize(
    ("role", "items"),
    [
        (Role.COORDINATOR, DATA_ENTRY_SEES),
        (Role.INVESTIGATOR, DATA_ENTRY_SEES | {"Review"}),
        (Role.MONITOR, READERS_SEE),
        (Role.DATA_MANAGER, READERS_SEE | {"Exports"}),
        (Role.SPONSOR_SAFETY, EVERYONE_SEES),
        (Role.ADMIN, READERS_SEE | {"Exports"}),
    ],
)
def test_each_role_sees_the_menu_items_of_its_capabilities(client, make_user, site_a, role, items):
    site = site_a if role in (Role.COORDINATOR, Role.INVESTIGATOR) else None
    client.force_login(make_user(f"as_{role}", role, site))
    context = client.get(reverse("home")).context
    shown = {item["label"] for item in context["nav_items"] + context["study_menu"]}
    assert shown == items | STUDY_MENU


def test_subject_list_is_scoped_to_own_site(client, coordinator_a, subject_a, subject_b):
    client.force_login(coordinator_a)
    content = client.get(reverse("subject_list")).content.decode()
    assert subject_a.screening_number in content
    assert subject_b.screening_number not in content


def test_monitor_lists_all_sites(client, monitor, subject_a, subject_b):
    client.force_login(monitor)
    content = client.get(reverse("subject_list")).content.decode()
    assert subject_a.screening_number in content and subject_b.screening_number in content


@pytest.mark.parametrize("url_name", ["subject_detail"])
def test_other_sites_subject_is_404(client, coordinator_a, subject_a, subject_b, url_name):
    client.force_login(coordinator_a)
    assert client.get(reverse(url_name, args=[subject_a.pk])).status_code == 200
    assert client.get(reverse(url_name, args=[subject_b.pk])).status_code == 404


def test_history_of_other_sites_subject_is_404(client, coordinator_a, subject_a, subject_b):
    client.force_login(coordinator_a)
    own = client.get(reverse("record_history", args=["trial.subject", subject_a.pk]))
    assert own.status_code == 200
    other = client.get(reverse("record_history", args=["trial.subject", subject_b.pk]))
    assert other.status_code == 404


def test_history_of_unregistered_model_is_404(client, admin_user, subject_a):
    client.force_login(admin_user)
    response = client.get(reverse("record_history", args=["trial.user", admin_user.pk]))
    assert response.status_code == 404


def test_history_page_shows_who_and_reason(client, coordinator_a, subject_a):
    from review.subjects import subject_update

    subject_update(subject=subject_a, by=coordinator_a, reason="Source says male", sex="M")
    client.force_login(coordinator_a)
    content = client.get(reverse("record_history", args=["trial.subject", subject_a.pk]))
    text = content.content.decode()
    assert "Source says male" in text and "coord_a" in text


def test_study_page_shows_thresholds(client, coordinator_a):
    client.force_login(coordinator_a)
    content = client.get(reverse("study_overview")).content.decode()
    assert "More than 28 days since the last chemotherapy" in content
    assert "DL4" in content


def test_study_page_shows_no_raw_codes_nor_exponents(client, coordinator_a):
    client.force_login(coordinator_a)
    content = client.get(reverse("study_overview")).content.decode()
    assert "age_max_years" not in content and "Age max years" in content
    assert "E+" not in content and "≥ 100 10^9/L" in content


def test_record_history_shows_field_labels_and_choice_labels(client, coordinator_a, subject_a):
    client.force_login(coordinator_a)
    text = client.get(reverse("record_history", args=["trial.subject", subject_a.pk])).content
    text = text.decode()
    assert ">site_id<" not in text and ">Site<" in text
    assert subject_a.site.name in text
    assert subject_a.get_sex_display() in text


def test_subject_admin_refuses_hard_delete(client, admin_user, subject_a):
    client.force_login(admin_user)
    url = reverse("admin:trial_subject_delete", args=[subject_a.pk])
    assert client.post(url, {"post": "yes"}).status_code == 403


def test_subject_list_query_count_is_flat(
    client, coordinator_a, study, site_a, django_assert_max_num_queries
):
    SubjectFactory.create_batch(30, study=study, site=site_a, created_by=coordinator_a)
    client.force_login(coordinator_a)
    # The first page after a change recounts the site's stored navigation counts (a fixed
    # number of queries, followup.my_tasks); the page after it reads them.
    client.get(reverse("subject_list"))
    # 13: one of them is the demo banner's marker (demo.context_processors), on every page,
    # one the study (the product name in the page frame, trial.context_processors), one the
    # page's total (the pager).
    with django_assert_max_num_queries(13):
        assert client.get(reverse("subject_list")).status_code == 200


def test_admin_shows_the_escalation_design_without_letting_it_be_edited(client, admin_user, study):
    client.force_login(admin_user)
    page = client.get(reverse("admin:trial_study_change", args=[study.pk])).content.decode()
    assert "Escalation design" in page
    assert "3+3" in page
    assert 'name="escalation_design-0-design"' not in page


# Voiding and correcting a subject entered in error (data manager and administrator).


@pytest.fixture
def data_manager_a(make_user, site_a):
    from trial.models import Role

    return make_user("dm_a", Role.DATA_MANAGER, site_a)


def test_a_data_manager_voids_a_subject_with_a_reason(client, subject_a, data_manager_a):
    from trial.audit import history_for
    from trial.models import Subject

    client.force_login(data_manager_a)
    page = client.get(reverse("subject_detail", args=[subject_a.pk])).content.decode()
    assert reverse("subject_void", args=[subject_a.pk]) in page

    response = client.post(
        reverse("subject_void", args=[subject_a.pk]), {"reason": "Registered twice"}
    )

    assert response.status_code == 302 and response["Location"] == reverse("subject_list")
    subject = Subject.objects.get(pk=subject_a.pk)
    assert subject.voided_at is not None and subject.void_reason == "Registered twice"
    assert history_for(subject)[-1].reason == "Registered twice"
    assert client.get(reverse("subject_void", args=[subject_a.pk])).status_code == 404


def test_voiding_without_a_reason_is_refused_and_changes_nothing(client, subject_a, data_manager_a):
    client.force_login(data_manager_a)
    response = client.post(reverse("subject_void", args=[subject_a.pk]), {"reason": ""})
    assert response.status_code == 400
    subject_a.refresh_from_db()
    assert subject_a.voided_at is None


def test_a_data_manager_corrects_the_date_of_birth_with_a_reason(client, subject_a, data_manager_a):
    from datetime import date

    client.force_login(data_manager_a)
    data = {
        "sex": subject_a.sex,
        "date_of_birth": "1961-05-04",
        "tumour_type": subject_a.tumour_type,
        "tumour_type_other": subject_a.tumour_type_other,
        "race": subject_a.race,
        "ethnicity": subject_a.ethnicity,
        "reason": "Transcription error (source: hospital record)",
    }

    response = client.post(reverse("subject_correct", args=[subject_a.pk]), data)

    assert response.status_code == 302
    subject_a.refresh_from_db()
    assert subject_a.date_of_birth == date(1961, 5, 4)


def test_an_implausible_correction_is_refused_and_the_input_kept(client, subject_a, data_manager_a):
    client.force_login(data_manager_a)
    before = subject_a.date_of_birth
    data = {
        "sex": subject_a.sex,
        "date_of_birth": "0001-01-01",
        "tumour_type": subject_a.tumour_type,
        "race": subject_a.race,
        "ethnicity": subject_a.ethnicity,
        "reason": "Typo",
    }

    response = client.post(reverse("subject_correct", args=[subject_a.pk]), data)

    assert response.status_code == 400
    body = response.content.decode()
    assert "before 1900-01-01: not plausible" in body and "Typo" in body
    subject_a.refresh_from_db()
    assert subject_a.date_of_birth == before


@pytest.mark.parametrize("url", ["subject_void", "subject_correct"])
def test_other_roles_may_not_void_or_correct(client, subject_a, coordinator_a, url):
    client.force_login(coordinator_a)
    page = client.get(reverse("subject_detail", args=[subject_a.pk])).content.decode()
    assert reverse(url, args=[subject_a.pk]) not in page
    assert client.get(reverse(url, args=[subject_a.pk])).status_code == 403
    assert client.post(reverse(url, args=[subject_a.pk]), {"reason": "x"}).status_code == 403
    subject_a.refresh_from_db()
    assert subject_a.voided_at is None


@pytest.mark.parametrize("url", ["subject_void", "subject_correct"])
def test_a_data_manager_of_another_site_does_not_find_the_subject(
    client, subject_b, data_manager_a, url
):
    client.force_login(data_manager_a)
    assert client.get(reverse(url, args=[subject_b.pk])).status_code == 404
    assert client.post(reverse(url, args=[subject_b.pk]), {"reason": "x"}).status_code == 404


# The subject list is one page whatever the size of the trial (issue 22).


def test_subject_list_queries_do_not_grow_with_the_subjects(
    client, monitor, seed_subjects, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from trial.paging import PAGE_SIZE

    client.force_login(monitor)
    seed_subjects(5)
    with CaptureQueriesContext(connection) as five:
        response = client.get(reverse("subject_list"))
    assert len(response.context["subjects"]) == 5
    seed_subjects(200)
    with django_assert_max_num_queries(len(five)):
        response = client.get(reverse("subject_list"))
    page = response.context["subjects"]
    assert len(page) == PAGE_SIZE and page.paginator.count == 200
    assert "Page 1 of 4 (200)" in response.content.decode()


def test_subject_list_pages_show_every_subject_once(client, monitor, seed_subjects):
    client.force_login(monitor)
    seed_subjects(60)
    seen = []
    for number in (1, 2):
        seen += list(client.get(reverse("subject_list"), {"page": number}).context["subjects"])
    assert len(seen) == len({s.pk for s in seen}) == 60
