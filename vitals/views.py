"""Vital signs pages: a visit's vital signs (with the form for a new set), one set (read,
correct, void)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render, resolve_url
from django.utils import timezone
from django.views.decorators.http import require_POST

from review import crf_pages
from trial.access import can, get_visit_for_user
from trial.capabilities import Capability
from trial.forms import add_service_errors
from trial.models import VisitKind
from vitals import selectors, services
from vitals.forms import VitalSignsForm
from vitals.models import VitalSigns

_DETAIL = "vitals/vitals_detail.html"


def _now():
    return timezone.now()


def _get_vital_signs_for_user(request, pk) -> VitalSigns:
    try:
        return selectors.vital_signs_for(request.user).get(pk=pk)
    except (VitalSigns.DoesNotExist, ValueError):
        raise Http404("No such vital signs") from None


def _measured_on(visit):
    """The date a new set defaults to: the visit's, once performed; else today while the
    visit's window is open (the coordinator measures them at the visit); else none."""
    if visit.completed_on:
        return visit.completed_on
    today = timezone.localdate(_now())
    opens, closes = visit.window_opens_on, visit.window_closes_on
    return today if opens and closes and opens <= today <= closes else None


@login_required
def visit_vitals(request, pk):
    visit = get_visit_for_user(request.user, pk)
    subject = visit.subject
    can_edit = can(request.user, Capability.ENTER_DATA, subject)
    if request.method == "POST" and not can_edit:
        raise PermissionDenied("You may not enter vital signs for this subject.")
    sets = visit.vital_signs.order_by("voided_at", "pk")
    standing = next((s for s in sets if s.voided_at is None), None)
    form = None
    # A visit holds one set: once recorded it is corrected on its own page. A dosing visit's
    # are on its dosing CRF (vitals.rules.visit_problem: a post there is refused).
    if can_edit and (standing is None or request.method == "POST"):
        data = request.POST if request.method == "POST" else None
        form = VitalSignsForm(data, editing=False, initial={"measured_on": _measured_on(visit)})
    if form is not None and form.is_bound and form.is_valid():
        try:
            record = services.vitals_record(
                visit=visit, by=request.user, values=form.values(), now=_now()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{record.title} recorded.")
            return redirect("visit_vitals", pk=visit.pk)
    return render(
        request,
        "vitals/visit_vitals.html",
        {
            "visit": visit,
            "subject": subject,
            "sets": sets,
            "form": form,
            "dosing_visit": visit.kind == VisitKind.DOSING,
        },
        status=400 if form is not None and form.is_bound else 200,
    )


@login_required
def vitals_detail(request, pk):
    record = _get_vital_signs_for_user(request, pk)
    return crf_pages.record_page(
        request,
        record,
        template=_DETAIL,
        form_factory=lambda data: VitalSignsForm(data, instance=record, editing=True),
        update=services.vitals_update,
        now=_now(),
        done="vitals_detail",
    )


@login_required
@require_POST
def vitals_void(request, pk):
    record = _get_vital_signs_for_user(request, pk)
    return crf_pages.void_page(
        request,
        record,
        services.vitals_void,
        template=_DETAIL,
        now=_now(),
        after=resolve_url("visit_vitals", pk=record.visit_id),
    )
