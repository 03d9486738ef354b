"""The dashboard pages and downloads through Django's client, as each role."""

import csv
import io
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dashboards import views
from tests.adverse_events.factories import load_starter_dictionary
from tests.dashboards.factories import bulk_subjects
from tests.dosing.factories import dosed_subject
from tests.labs.factories import add_ranges, record_result
from tests.screening.factories import TODAY

pytestmark = pytest.mark.django_db

PAGES = {
    "overview": (
        "dashboard_overview",
        ["enrollment", "funnel", "screen-failures", "dose-levels", "sites"],
    ),
    "safety": ("dashboard_safety", ["soc-grade", "sae-months", "relationship", "lab-shift"]),
    "oncology": ("dashboard_oncology", ["swimmer", "waterfall"]),
}
ROLES = [
    "coordinator_a",
    "investigator_a",
    "monitor",
    "data_manager",
    "sponsor_safety",
    "admin_user",
]
# The dashboards' own queries per page, whatever the number of subjects: the scope
# (sites_for), then one aggregate per figure or per kind of row. The page adds the queries of
# the session, the user, the middleware and the navigation, which belong to other apps: the
# bound is on the dashboards' reads, the flat test below on the whole page.
# Safety reads the study too: the product name of the causality figure (shared with the page
# frame, read once per request by trial.study).
OWN_QUERIES = {"overview": 13, "safety": 14, "oncology": 13}  # safety: + the lab shift, its sites


@pytest.fixture
def subjects(study, site_a, site_b, coordinator_a, coordinator_b):
    """Five subjects at each of sites A and B (four enrolled, one screen failed)."""
    load_starter_dictionary()
    return {
        "a": bulk_subjects(5, study=study, site=site_a, by=coordinator_a),
        "b": bulk_subjects(5, study=study, site=site_b, by=coordinator_b),
    }


def kpi(response, key):
    return next(k.value for k in response.context["kpis"] if k.key == key)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", PAGES)
def test_every_role_sees_every_dashboard_with_a_chart_and_a_table_per_figure(
    request, client, subjects, role, page
):
    client.force_login(request.getfixturevalue(role))
    url_name, slugs = PAGES[page]

    response = client.get(reverse(url_name))

    assert response.status_code == 200
    assert [f.slug for f in response.context["figures"]] == slugs
    html = response.content.decode()
    assert html.count('role="img"') == len(slugs)
    assert html.count("<caption") == len(slugs)
    for slug in slugs:
        assert f'aria-labelledby="{slug}-title {slug}-desc"' in html
        assert reverse("dashboard_download", args=[page, slug, "svg"]) in html
        assert reverse("dashboard_download", args=[page, slug, "csv"]) in html


@pytest.mark.parametrize("page", PAGES)
def test_signed_out_visitors_are_sent_to_the_login_page(client, page):
    response = client.get(reverse(PAGES[page][0]))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_the_navigation_has_the_overview(client, subjects, coordinator_a):
    client.force_login(coordinator_a)

    response = client.get(reverse("home"))

    assert f'href="{reverse("dashboard_overview")}">Overview</a>' in response.content.decode()


def test_a_site_coordinators_overview_counts_only_their_site(
    client, subjects, coordinator_a, monitor
):
    client.force_login(coordinator_a)
    own = client.get(reverse("dashboard_overview"))
    client.force_login(monitor)
    every = client.get(reverse("dashboard_overview"))

    assert (kpi(own, "enrolled"), kpi(own, "screen-failed"), kpi(own, "open-queries")) == (4, 1, 2)
    assert (kpi(every, "enrolled"), kpi(every, "screen-failed"), kpi(every, "open-queries")) == (
        8,
        2,
        4,
    )
    assert "Your sites only" in own.content.decode()
    assert [s.code for s in own.context["data"].sites] == ["FR01"]


def test_a_site_coordinator_sees_no_subject_of_another_site(client, subjects, coordinator_a):
    client.force_login(coordinator_a)

    html = client.get(reverse("dashboard_oncology")).content.decode()

    assert subjects["a"][0].subject_number in html
    assert "BFR02-" not in html


def test_sponsor_safety_is_told_the_safety_page_counts_saes_only(client, subjects, sponsor_safety):
    client.force_login(sponsor_safety)

    response = client.get(reverse("dashboard_safety"))

    assert response.context["data"].serious_only
    assert kpi(response, "events") == kpi(response, "serious") == 8
    assert "serious adverse events only" in response.content.decode()


@pytest.mark.parametrize(
    ("page", "slug"), [(p, s) for p, (_u, slugs) in PAGES.items() for s in slugs]
)
def test_each_chart_downloads_as_svg_and_its_table_as_csv(client, subjects, monitor, page, slug):
    client.force_login(monitor)

    svg = client.get(reverse("dashboard_download", args=[page, slug, "svg"]))
    data = client.get(reverse("dashboard_download", args=[page, slug, "csv"]))

    assert svg["Content-Type"] == "image/svg+xml; charset=utf-8"
    assert svg["Content-Disposition"].startswith(f'attachment; filename="{page}-{slug}-')
    root = ET.fromstring(svg.content)
    assert root.get("role") == "img"
    assert data["Content-Type"] == "text/csv; charset=utf-8"
    header, *_rows = csv.reader(io.StringIO(data.content.decode()))
    page_figures = client.get(reverse(PAGES[page][0])).context["figures"]
    assert tuple(header) == next(f for f in page_figures if f.slug == slug).table.columns


def test_a_download_is_scoped_like_the_page(client, subjects, coordinator_a):
    client.force_login(coordinator_a)

    response = client.get(reverse("dashboard_download", args=["oncology", "swimmer", "csv"]))

    rows = list(csv.reader(io.StringIO(response.content.decode())))[1:]
    assert sorted(row[0] for row in rows) == sorted(
        s.subject_number for s in subjects["a"] if s.subject_number
    )


def test_an_unknown_chart_is_not_found(client, subjects, monitor):
    client.force_login(monitor)

    response = client.get(reverse("dashboard_download", args=["safety", "swimmer", "svg"]))

    assert response.status_code == 404


# The number of queries does not grow with the number of subjects.


@pytest.mark.parametrize("count", [5, 200])
@pytest.mark.parametrize("page", PAGES)
def test_queries_per_page_are_bounded_whatever_the_number_of_subjects(
    client, django_assert_max_num_queries, study, site_a, coordinator_a, monitor, page, count
):
    load_starter_dictionary()
    bulk_subjects(count, study=study, site=site_a, by=coordinator_a)
    page_view = views.PAGES[page]

    with django_assert_max_num_queries(OWN_QUERIES[page]):
        data = page_view.select(monitor, today=TODAY)
        page_view.figures(data)
        page_view.kpis(data)

    client.force_login(monitor)
    assert client.get(reverse(PAGES[page][0])).status_code == 200


# What each page counts once 200 subjects (160 enrolled, two AEs each) are in.
COUNTED = {
    "overview": lambda data: data.funnel.registered,
    "safety": lambda data: data.totals.events,
    "oncology": lambda data: len(data.courses),
}


@pytest.mark.parametrize(
    ("page", "expected"), [("overview", 200), ("safety", 320), ("oncology", 160)]
)
def test_queries_per_page_are_the_same_for_5_and_200_subjects(
    client, study, site_a, coordinator_a, monitor, page, expected
):
    load_starter_dictionary()
    client.force_login(monitor)
    client.get(reverse("home"))  # the first request after signing in saves more
    bulk_subjects(5, study=study, site=site_a, by=coordinator_a)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse(PAGES[page][0]))
    bulk_subjects(195, study=study, site=site_a, by=coordinator_a, offset=5)
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse(PAGES[page][0]))

    assert COUNTED[page](response.context["data"]) == expected
    assert len(many) == len(few)


# The oncology page for a large trial (issue 22): one page of subjects per plot and table,
# the downloads whole.


def test_oncology_page_shows_one_page_of_subjects_and_the_downloads_all(
    client, monitor, seed_subjects
):
    from dashboards.figures import ONCOLOGY_PAGE_SIZE

    seed_subjects(200, aes_per_subject=1)
    client.force_login(monitor)
    response = client.get(reverse("dashboard_oncology"))
    swimmer, waterfall = response.context["figures"]
    dosed = len(response.context["data"].dosed)
    assert dosed > ONCOLOGY_PAGE_SIZE
    assert swimmer.page.paginator.count == dosed
    assert len(swimmer.table.rows) == ONCOLOGY_PAGE_SIZE
    assert len(response.content) < 200 * 1024
    assert f"1–{ONCOLOGY_PAGE_SIZE} of {dosed}" in response.content.decode()

    second = client.get(reverse("dashboard_oncology"), {"swimmer": 2, "waterfall": 2})
    page_two = second.context["figures"][0]
    assert page_two.page.number == 2
    assert not {r[0] for r in page_two.table.rows} & {r[0] for r in swimmer.table.rows}
    # Each plot's pager keeps the other plot's page.
    assert 'href="?waterfall=2&amp;swimmer=1"' in second.content.decode()

    svg = client.get(reverse("dashboard_download", args=["oncology", "swimmer", "svg"]))
    rows = list(
        csv.reader(
            io.StringIO(
                client.get(
                    reverse("dashboard_download", args=["oncology", "swimmer", "csv"])
                ).content.decode()
            )
        )
    )
    assert len(rows) == dosed + 1
    assert svg.content.decode().count('class="lane"') == dosed
    assert swimmer.svg.count('class="lane"') == ONCOLOGY_PAGE_SIZE


def test_the_safety_page_shows_the_lab_shift_of_the_users_sites(
    client, study, site_a, site_b, coordinator_a, investigator_a, coordinator_b, monitor
):
    load_starter_dictionary()
    add_ranges(site_a, coordinator_a)
    subject = dosed_subject(study, site_a, coordinator_a, investigator_a)
    record_result(subject, coordinator_a, "C1D8", value=Decimal(250))  # ALT > 5 x ULN: grade 3

    client.force_login(monitor)
    shifts = client.get(reverse("dashboard_safety")).context["data"].lab_shifts
    assert [(s.test, s.cell("missing", 3)) for s in shifts] == [("ALT", 1)]

    client.force_login(coordinator_b)  # another site's staff: not their subject
    assert client.get(reverse("dashboard_safety")).context["data"].lab_shifts == ()
