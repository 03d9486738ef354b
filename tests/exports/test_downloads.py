"""Bulk downloads served by pages and the API are recorded as runs (who, when, what, filters)."""

import pytest
from django.urls import reverse

from exports.models import BulkDownload, ExportChannel, ExportRun, ExportRunEvent, ExportStatus
from review.models import Query, QueryOrigin, QueryStatus

pytestmark = pytest.mark.django_db


def only_record() -> ExportRun:
    (run,) = ExportRun.objects.exclude(format__in=["csv", "xlsx", "odm", "sdtm", "audit"])
    return run


def test_the_ae_list_csv_is_recorded_with_its_filters(client, data):
    client.force_login(data.users["coord_a"])

    response = client.get(reverse("ae_list"), {"format": "csv", "serious": "yes"})

    assert response.status_code == 200
    run = only_record()
    assert (run.format, run.channel, run.status) == (
        BulkDownload.AE_LIST,
        ExportChannel.PAGE,
        ExportStatus.DONE,
    )
    assert run.requested_by == data.users["coord_a"]
    assert run.filters["serious"] == "yes" and run.filters["sites"] == ["FR01"]
    assert run.row_counts == {"rows": 1} and not run.file_path
    event = ExportRunEvent.objects.get(pgh_obj=run)
    assert event.pgh_context.metadata["reason"] == "Downloaded: Adverse event list (CSV)"


def test_the_ae_list_page_itself_is_not_a_download(client, data):
    client.force_login(data.users["coord_a"])
    client.get(reverse("ae_list"))
    assert not ExportRun.objects.exists()


def test_the_query_list_csv_is_recorded(client, data):
    client.force_login(data.users["monitor"])

    client.get(reverse("query_list"), {"format": "csv", "status": "open"})

    run = only_record()
    assert run.format == BulkDownload.QUERY_LIST and run.requested_by == data.users["monitor"]
    assert run.filters["status"] == "open" and run.filters["sites"] == ["FR01", "FR02"]
    # The monitor's two and, per subject with prior therapy, the eligibility CRF's automatic
    # queries on the radiotherapy and surgery its answers do not mention.
    automatic = Query.objects.filter(origin=QueryOrigin.AUTOMATIC, status=QueryStatus.OPEN).count()
    assert automatic == 4 and run.row_counts == {"rows": 2 + automatic}


def test_the_screening_log_csv_is_recorded(client, data):
    client.force_login(data.users["coord_b"])

    client.get(reverse("screening_log"), {"format": "csv"})

    run = only_record()
    assert run.format == BulkDownload.SCREENING_LOG and run.filters["sites"] == ["FR02"]


def test_a_dashboard_csv_is_recorded_and_its_svg_is_not(client, data):
    client.force_login(data.users["monitor"])

    client.get(reverse("dashboard_download", args=["overview", "sites", "svg"]))
    assert not ExportRun.objects.exists()
    client.get(reverse("dashboard_download", args=["overview", "sites", "csv"]))

    run = only_record()
    assert run.format == BulkDownload.DASHBOARD
    assert (run.filters["page"], run.filters["chart"]) == ("overview", "sites")


def test_an_api_list_page_is_recorded_and_a_detail_read_is_not(client, data):
    client.force_login(data.users["dm"])

    listed = client.get("/api/subjects/", {"limit": 2, "site": "FR01"})
    assert listed.status_code == 200
    client.get(f"/api/subjects/{data.dosed.pk}/")

    run = only_record()
    assert (run.format, run.channel) == (BulkDownload.API_LIST, ExportChannel.API)
    assert run.filters == {
        "endpoint": "/api/subjects/",
        "limit": "2",
        "site": "FR01",
        "sites": ["FR01"],
    }
    assert run.row_counts == {"rows": len(listed.json()["results"])}


def test_download_records_show_on_the_export_page_without_a_download_link(client, data):
    client.force_login(data.users["dm"])
    client.get(reverse("screening_log"), {"format": "csv"})
    run = only_record()

    page = client.get(reverse("export_page")).content.decode()
    detail = client.get(reverse("export_run", args=[run.pk])).content.decode()

    assert "Screening log (CSV)" in page
    assert reverse("export_download", args=[run.pk]) not in page + detail
    assert "no file is kept" in detail
