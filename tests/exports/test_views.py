"""The export page, progress and downloads, through Django's client as each role."""

import io
import zipfile

import pytest
from django.urls import reverse

from exports import services
from exports.models import ExportChannel, ExportRun, ExportStatus
from exports.tasks import run_export


@pytest.fixture
def as_user(client, data):
    def login(username):
        client.force_login(data.users[username])
        return client

    return login


@pytest.mark.parametrize("username", ["coord_a", "inv_a", "monitor", "safety", "nobody"])
def test_export_page_is_forbidden_to_other_roles(as_user, username):
    client = as_user(username)
    assert client.get(reverse("export_page")).status_code == 403
    response = client.post(reverse("export_page"), {"format": "csv"})
    assert response.status_code == 403
    assert not ExportRun.objects.exists()


def test_anonymous_user_is_sent_to_login(client, data):
    response = client.get(reverse("export_page"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_coordinator_cannot_download_an_export(as_user, data):
    run = services.export_run(
        run_id=services.export_request(by=data.users["dm"], format="audit", channel="command").pk
    )
    assert as_user("coord_a").get(reverse("export_download", args=[run.pk])).status_code == 403


def test_nav_shows_exports_to_data_managers_only(as_user):
    assert b'href="/exports/"' in as_user("dm").get(reverse("home")).content
    assert b'href="/exports/"' not in as_user("coord_a").get(reverse("home")).content


def test_data_manager_sees_only_their_sites_in_the_form(as_user):
    content = as_user("dm_a").get(reverse("export_page")).content.decode()
    assert 'value="FR01"' in content and 'value="FR02"' not in content


def test_small_export_comes_back_as_a_download_and_is_recorded(as_user, data):
    response = as_user("dm").post(reverse("export_page"), {"format": "csv", "sites": ["FR01"]})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    body = b"".join(response.streaming_content)
    assert body[:2] == b"PK"  # a zip
    run = ExportRun.objects.get()
    assert (run.requested_by, run.channel, run.status) == (
        data.users["dm"],
        ExportChannel.WEB,
        ExportStatus.DONE,
    )
    assert run.filters["sites"] == ["FR01"] and run.download_count == 1


def test_sdtm_download_from_the_page_is_one_zip_with_every_format_and_define_xml(as_user, data):
    response = as_user("dm").post(reverse("export_page"), {"format": "sdtm"})
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        names = set(archive.namelist())
    assert {"ae.csv", "ae.xpt", "ae.json", "ts.json", "define.xml", "manifest.json"} <= names


def test_data_manager_cannot_post_a_site_outside_their_role(as_user):
    response = as_user("dm_a").post(reverse("export_page"), {"format": "csv", "sites": ["FR02"]})
    assert response.status_code == 200
    assert "FR02 is not one of the available choices" in response.content.decode()
    assert not ExportRun.objects.exists()


def test_data_managers_export_without_sites_covers_only_their_site(as_user):
    as_user("dm_a").post(reverse("export_page"), {"format": "sdtm"})
    assert ExportRun.objects.get().filters["sites"] == ["FR01"]


def test_inverted_date_range_is_refused(as_user):
    response = as_user("dm").post(
        reverse("export_page"),
        {"format": "csv", "date_from": "2026-12-01", "date_to": "2026-11-01"},
    )
    assert "before it starts" in response.content.decode()
    assert not ExportRun.objects.exists()


def test_large_export_runs_as_a_task_with_progress_then_a_download_link(
    as_user, data, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(services, "STREAM_MAX_SUBJECTS", 1)
    queued = []
    monkeypatch.setattr(run_export, "delay", lambda run_id: queued.append(run_id))
    client = as_user("dm")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("export_page"), {"format": "odm"})
    run = ExportRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("export_run", args=[run.pk])
    assert queued == [run.pk] and run.channel == ExportChannel.TASK

    page = client.get(reverse("export_run", args=[run.pk])).content.decode()
    assert f'hx-get="{reverse("export_run_status", args=[run.pk])}"' in page
    assert 'hx-trigger="every 2s"' in page

    run_export(run.pk)  # what the worker does
    fragment = client.get(reverse("export_run_status", args=[run.pk])).content.decode()
    assert "hx-trigger" not in fragment  # polling stops
    assert reverse("export_download", args=[run.pk]) in fragment
    download = client.get(reverse("export_download", args=[run.pk]))
    assert download.status_code == 200
    assert b"<ODM" in b"".join(download.streaming_content)[:2000]


def test_download_of_another_data_managers_export_is_not_found(as_user, data):
    run = services.export_run(
        run_id=services.export_request(by=data.users["dm"], format="audit", channel="command").pk
    )
    assert as_user("dm_a").get(reverse("export_download", args=[run.pk])).status_code == 404
    assert as_user("dm_a").get(reverse("export_run", args=[run.pk])).status_code == 404
    assert as_user("admin").get(reverse("export_download", args=[run.pk])).status_code == 200


def test_download_needs_the_role_at_every_exported_site_still(as_user, data):
    run = services.export_run(
        run_id=services.export_request(by=data.users["dm_a"], format="audit", channel="command").pk
    )
    data.users["dm_a"].memberships.all().delete()
    data.users["dm_a"].memberships.create(site=data.site_b, role="data_manager")
    response = as_user("dm_a").get(reverse("export_download", args=[run.pk]))
    assert response.status_code == 404


def test_failed_export_shows_its_error(as_user, data, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services.tabular, "write_csv_zip", broken)
    response = as_user("dm").post(reverse("export_page"), {"format": "csv"}, follow=True)
    assert "disk full" in response.content.decode()
    assert ExportRun.objects.get().status == ExportStatus.FAILED


def test_an_export_runs_own_audit_trail_is_shown_to_who_may_see_the_run(as_user, data):
    run = services.export_run(
        run_id=services.export_request(by=data.users["dm"], format="audit", channel="command").pk
    )
    url = reverse("record_history", args=["exports.exportrun", run.pk])
    page = as_user("dm").get(url)
    assert page.status_code == 200 and "Export requested: audit" in page.content.decode()
    assert as_user("dm_a").get(url).status_code == 404


def test_export_list_is_one_page_whatever_the_number_of_runs(
    as_user, data, django_assert_max_num_queries
):
    """Issue 22: the recent exports are paginated, the total from one count."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = as_user("dm")
    dm = data.users["dm"]
    for _ in range(3):
        services.export_request(by=dm, format="csv", channel="command")
    with CaptureQueriesContext(connection) as three:
        assert len(client.get(reverse("export_page")).context["runs"]) == 3
    for _ in range(57):
        services.export_request(by=dm, format="csv", channel="command")
    with django_assert_max_num_queries(len(three)):
        response = client.get(reverse("export_page"))
    runs = response.context["runs"]
    assert len(runs) == 25 and runs.paginator.count == 60
    newest = list(ExportRun.objects.filter(requested_by=dm).order_by("-requested_at", "-id"))
    assert list(runs) == newest[:25]
    assert list(client.get(reverse("export_page"), {"page": 3}).context["runs"]) == newest[50:]
