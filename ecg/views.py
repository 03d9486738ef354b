"""ECG pages: a visit's ECGs (with a new one), one ECG (read, correct, void)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render, resolve_url
from django.utils import timezone
from django.views.decorators.http import require_POST

from ecg import selectors, services
from ecg.forms import EcgForm
from ecg.models import EcgTimePoint, Electrocardiogram
from review import crf_pages
from trial.access import can, get_visit_for_user
from trial.capabilities import Capability
from trial.forms import add_service_errors
from trial.models import VisitKind

_DETAIL = "ecg/ecg_detail.html"


def _now():
    return timezone.now()


def _get_ecg_for_user(request, pk) -> Electrocardiogram:
    try:
        return selectors.ecgs_for(request.user).get(pk=pk)
    except (Electrocardiogram.DoesNotExist, ValueError):
        raise Http404("No such ECG") from None


@login_required
def visit_ecgs(request, pk):
    visit = get_visit_for_user(request.user, pk)
    subject = visit.subject
    can_edit = can(request.user, Capability.ENTER_DATA, subject)
    if request.method == "POST" and not can_edit:
        raise PermissionDenied("You may not enter ECGs for this subject.")
    form = None
    if can_edit:
        first = EcgTimePoint.PRE_DOSE if visit.kind == VisitKind.DOSING else EcgTimePoint.VISIT
        data = request.POST if request.method == "POST" else None
        form = EcgForm(data, editing=False, initial={"time_point": first})
    if form is not None and form.is_bound and form.is_valid():
        try:
            record = services.ecg_record(
                visit=visit, by=request.user, values=form.values(), now=_now()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{record.title} recorded.")
            return redirect("visit_ecgs", pk=visit.pk)
    ecgs = visit.ecgs.order_by("time_point", "pk")
    return render(
        request,
        "ecg/visit_ecgs.html",
        {"visit": visit, "subject": subject, "ecgs": ecgs, "form": form},
        status=400 if form is not None and form.is_bound else 200,
    )


@login_required
def ecg_detail(request, pk):
    record = _get_ecg_for_user(request, pk)
    return crf_pages.record_page(
        request,
        record,
        template=_DETAIL,
        form_factory=lambda data: EcgForm(data, instance=record, editing=True),
        update=services.ecg_update,
        now=_now(),
        done="ecg_detail",
    )


@login_required
@require_POST
def ecg_void(request, pk):
    record = _get_ecg_for_user(request, pk)
    return crf_pages.void_page(
        request,
        record,
        services.ecg_void,
        template=_DETAIL,
        now=_now(),
        after=resolve_url("visit_ecgs", pk=record.visit_id),
    )
