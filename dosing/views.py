from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from dosing import selectors, services
from dosing.forms import DoseVoidForm, DosingForm
from dosing.models import DosingRecord
from review import selectors as review_selectors
from review.field_notes import annotate_fields, field_notes
from review.forms import make_read_only
from trial.access import can, get_visit_for_user
from trial.capabilities import Capability
from trial.forms import add_service_errors, add_service_messages
from trial.models import VisitKind


def _today():
    return timezone.localdate()


@login_required
def dosing_form(request, visit_pk):
    visit = get_visit_for_user(request.user, visit_pk)
    if visit.kind != VisitKind.DOSING:
        raise Http404("No dosing form at this visit")
    subject = visit.subject
    record = DosingRecord.objects.filter(visit=visit).first()
    form = DosingForm(
        request.POST or None,
        instance=record or DosingRecord(visit=visit, subject=subject),
        subject=subject,
        editing=record is not None,
    )
    locked = review_selectors.lock_of(record or visit) is not None
    annotate_fields(form, field_notes(record))
    # Read-only for the roles that may read the form but not change it (the service's own
    # rule decides), and for everyone while it is locked.
    voided = record is not None and record.voided_at is not None
    editable = can(request.user, Capability.ENTER_DATA, subject) and not locked and not voided
    if not editable:
        make_read_only(form)
    if request.method == "POST" and form.is_valid():
        try:
            services.dose_record(
                visit=visit,
                by=request.user,
                values=form.values(),
                today=_today(),
                expected_version=form.cleaned_data.get("version"),
                reason=form.cleaned_data.get("reason") or "",
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Dosing of {visit.code} saved.")
            following = selectors.next_dosing_visit(visit) if "save_next" in request.POST else None
            if following is not None:
                return redirect("visit_dosing", visit_pk=following.pk)
            return redirect("subject_detail", pk=subject.pk)
    return render(
        request,
        "dosing/dosing_form.html",
        {
            "visit": visit,
            "subject": subject,
            "form": form,
            "record": record,
            "locked": locked,
            "next_visit": selectors.next_dosing_visit(visit),
            "editable": editable,
            "void_form": DoseVoidForm(),
            "review": review_selectors.record_panel(record, request.user) if record else None,
        },
        status=400 if form.is_bound else 200,
    )


@login_required
@require_POST
def dose_void(request, visit_pk):
    """Void the dose of a visit entered in error (the service checks role, site and lock)."""
    visit = get_visit_for_user(request.user, visit_pk)
    record = DosingRecord.objects.filter(visit=visit).first()
    if record is None:
        raise Http404("No dose recorded at this visit")
    form = DoseVoidForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give the reason the dose is voided.")
        return redirect("visit_dosing", visit_pk=visit.pk)
    try:
        services.dose_void(
            record=record, by=request.user, reason=form.cleaned_data["reason"], now=timezone.now()
        )
    except ValidationError as error:
        add_service_messages(request, error)
        return redirect("visit_dosing", visit_pk=visit.pk)
    messages.success(request, f"Dose of {visit.code} voided.")
    return redirect("subject_detail", pk=visit.subject_id)
