"""Lab pages: a visit's results (with a new result), one result (read, edit, void)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render, resolve_url
from django.utils import timezone
from django.views.decorators.http import require_POST

from labs import selectors, services
from labs.forms import LabResultForm, NormalRangeForm
from labs.models import LabNormalRange, LabResult
from review import crf_pages
from trial.access import can, get_visit_for_user, sites_for
from trial.capabilities import Capability
from trial.forms import add_service_errors
from trial.models import Site

_DETAIL = "labs/lab_result_detail.html"


def _now():
    return timezone.now()


def _get_result_for_user(request, pk) -> LabResult:
    try:
        return selectors.lab_results_for(request.user).get(pk=pk)
    except (LabResult.DoesNotExist, ValueError):
        raise Http404("No such lab result") from None


@login_required
def visit_labs(request, pk):
    visit = get_visit_for_user(request.user, pk)
    subject = visit.subject
    can_edit = can(request.user, Capability.ENTER_DATA, subject)
    form = LabResultForm(request.POST or None, editing=False) if can_edit else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied("You may not enter lab results for this subject.")
        if form.is_valid():
            try:
                record = services.lab_result_record(
                    visit=visit, by=request.user, values=form.values(), now=_now()
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, f"{record.title} recorded.")
                return redirect("visit_labs", pk=visit.pk)
    results = visit.lab_results.select_related("normal_range").order_by("panel", "test", "pk")
    return render(
        request,
        "labs/visit_labs.html",
        {"visit": visit, "subject": subject, "results": results, "form": form},
        status=400 if form is not None and form.is_bound else 200,
    )


@login_required
def lab_result_detail(request, pk):
    record = _get_result_for_user(request, pk)
    return crf_pages.record_page(
        request,
        record,
        template=_DETAIL,
        form_factory=lambda data: LabResultForm(data, instance=record, editing=True),
        update=services.lab_result_update,
        now=_now(),
        done="lab_result_detail",
    )


@login_required
@require_POST
def lab_result_void(request, pk):
    record = _get_result_for_user(request, pk)
    return crf_pages.void_page(
        request,
        record,
        services.lab_result_void,
        template=_DETAIL,
        now=_now(),
        after=resolve_url("visit_labs", pk=record.visit_id),
    )


@login_required
def site_lab_ranges(request, site_pk):
    """The normal ranges of a site's laboratory (every reader of the site), and a new one
    (the site's data-entry staff): results are graded against the range in force."""
    try:
        site = sites_for(request.user).get(pk=site_pk)
    except (Site.DoesNotExist, ValueError):
        raise Http404("No such site") from None
    can_edit = can(request.user, Capability.ENTER_DATA, site)
    if request.method == "POST" and not can_edit:
        raise PermissionDenied(f"Only the staff of site {site.code} record its normal ranges.")
    form = NormalRangeForm(request.POST if request.method == "POST" else None) if can_edit else None
    if form is not None and form.is_bound and form.is_valid():
        try:
            row = services.normal_range_record(
                site=site, by=request.user, values=form.values(), now=_now()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Normal range recorded: {row}.")
            return redirect("site_lab_ranges", site_pk=site.pk)
    ranges = LabNormalRange.objects.filter(site=site).order_by("test", "sex", "-effective_from")
    return render(
        request,
        "labs/site_ranges.html",
        {"site": site, "ranges": ranges, "form": form},
        status=400 if form is not None and form.is_bound else 200,
    )
