"""Study dashboards: overview, safety and oncology pages, and their chart downloads."""

from collections.abc import Callable
from dataclasses import dataclass, replace

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from dashboards import figures, selectors
from exports.models import BulkDownload
from exports.services import download_record
from trial.access import subjects_for
from trial.paging import query_string_without
from trial.replica import replica_reads


def _today():
    return timezone.localdate()


@dataclass(frozen=True)
class Page:
    title: str
    template: str
    select: Callable  # (user, *, today) -> the page's data (dashboards.selectors)
    figures: Callable  # data -> list[Figure]
    kpis: Callable  # data -> list[Kpi]


PAGES = {
    "overview": Page(
        "Study overview",
        "dashboards/overview.html",
        selectors.overview_for,
        figures.overview_figures,
        figures.overview_kpis,
    ),
    "safety": Page(
        "Safety",
        "dashboards/safety.html",
        selectors.safety_for,
        figures.safety_figures,
        figures.safety_kpis,
    ),
    "oncology": Page(
        "Tumour response",
        "dashboards/oncology.html",
        selectors.oncology_for,
        figures.oncology_figures,
        figures.oncology_kpis,
    ),
}


def _render_page(request, key: str):
    page = PAGES[key]
    data = page.select(request.user, today=_today())
    if key == "oncology":  # one row per subject: one page of them on screen (issue 22)
        shown = [
            replace(figure, page_query=query_string_without(request.GET, figure.slug))
            for figure in figures.oncology_figures(data, pages=request.GET)
        ]
    else:
        shown = page.figures(data)
    return render(
        request,
        page.template,
        {
            "page": key,
            "title": page.title,
            "data": data,
            "figures": shown,
            "kpis": page.kpis(data),
        },
    )


@login_required
@replica_reads
def overview(request):
    return _render_page(request, "overview")


@login_required
@replica_reads
def safety(request):
    return _render_page(request, "safety")


@login_required
@replica_reads
def oncology(request):
    return _render_page(request, "oncology")


@login_required
@replica_reads
def download(request, page: str, chart: str, fmt: str):
    """One chart as SVG, or its data table as CSV, scoped like the page it is on."""
    if page not in PAGES:
        raise Http404("No such dashboard")
    today = _today()
    data = PAGES[page].select(request.user, today=today)
    figure = next((f for f in PAGES[page].figures(data) if f.slug == chart), None)
    if figure is None:
        raise Http404("No such chart")
    filename = f"{page}-{chart}-{today.isoformat()}.{fmt}"
    if fmt == "svg":
        body = '<?xml version="1.0" encoding="UTF-8"?>\n' + figure.svg
        response = HttpResponse(body, content_type="image/svg+xml; charset=utf-8")
    else:
        response = HttpResponse(figure.table.csv(), content_type="text/csv; charset=utf-8")
        download_record(
            by=request.user,
            what=BulkDownload.DASHBOARD,
            filters={"page": page, "chart": chart, "as_of": today},
            rows=len(figure.table.rows),
            site_codes=subjects_for(request.user).values_list("site__code", flat=True).distinct(),
        )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
