from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from dosing import selectors, services, tumour
from dosing.forms import (
    BaselineForm,
    DoseVoidForm,
    DosingForm,
    FollowUpAssessmentForm,
    TumourCorrectionForm,
)
from dosing.models import DosingRecord, TumourAssessment
from review import selectors as review_selectors
from review.field_notes import annotate_fields, field_notes
from review.forms import make_read_only
from review.records import record_title
from trial.access import can, get_subject_for_user, get_visit_for_user, scope_to_sites
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


def _staff_subject(request, pk):
    return get_subject_for_user(request.user, pk, Capability.ENTER_DATA)


@login_required
def tumour_baseline(request, pk):
    subject = _staff_subject(request, pk)
    form = BaselineForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            tumour.baseline_record(
                subject=subject,
                by=request.user,
                assessment_date=form.cleaned_data["assessment_date"],
                lesions=form.cleaned_data["lesions"],
                non_target=form.cleaned_data["non_target"],
                method=form.cleaned_data["method"],
                today=_today(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Baseline tumour assessment recorded.")
            return redirect("subject_detail", pk=subject.pk)
    return render(
        request,
        "dosing/tumour_baseline.html",
        {"subject": subject, "form": form},
        status=400 if form.is_bound else 200,
    )


@login_required
def tumour_follow_up(request, pk):
    subject = _staff_subject(request, pk)
    form = FollowUpAssessmentForm(request.POST or None, lesions=subject.target_lesions.all())
    if request.method == "POST" and form.is_valid():
        try:
            row = tumour.follow_up_record(
                subject=subject,
                by=request.user,
                assessment_date=form.cleaned_data["assessment_date"],
                diameters=form.diameters(),
                non_target=form.cleaned_data["non_target"],
                new_lesions=form.cleaned_data["new_lesions"],
                method=form.cleaned_data["method"],
                today=_today(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Tumour assessment recorded: {row.response.upper()}.")
            return redirect("subject_detail", pk=subject.pk)
    return render(
        request,
        "dosing/tumour_follow_up.html",
        {"subject": subject, "form": form},
        status=400 if form.is_bound else 200,
    )


def _get_assessment_for_user(request, pk) -> TumourAssessment:
    """A tumour assessment of the user's sites (any role there), else 404."""
    try:
        return (
            scope_to_sites(TumourAssessment.objects.all(), request.user, site_field="subject__site")
            .select_related("subject", "subject__site")
            .get(pk=pk)
        )
    except TumourAssessment.DoesNotExist:
        raise Http404("No such tumour assessment") from None


@login_required
def tumour_assessment(request, pk):
    """One time point: its measurements and derived response, its review box, and for the
    site staff the correction and void forms."""
    assessment = _get_assessment_for_user(request, pk)
    subject = assessment.subject
    measurements = list(
        assessment.measurements.select_related("lesion").order_by("lesion__lesion_id")
    )
    editable = (
        can(request.user, Capability.ENTER_DATA, subject)
        and assessment.voided_at is None
        and review_selectors.lock_of(assessment) is None
    )
    form = TumourCorrectionForm(
        request.POST or None, assessment=assessment, measurements=measurements
    )
    if not editable:
        make_read_only(form)
    if request.method == "POST" and form.is_valid():
        try:
            tumour.tumour_assessment_correct(
                assessment=assessment,
                by=request.user,
                expected_version=form.cleaned_data["version"],
                reason=form.cleaned_data["reason"],
                diameters=form.diameters(),
                non_target=form.cleaned_data["non_target"],
                new_lesions=form.cleaned_data.get("new_lesions"),
                method=form.cleaned_data["method"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{record_title(assessment)} corrected.")
            return redirect("tumour_assessment", pk=assessment.pk)
    return render(
        request,
        "dosing/tumour_assessment.html",
        {
            "assessment": assessment,
            "subject": subject,
            "measurements": measurements,
            "form": form,
            "editable": editable,
            "review": review_selectors.record_panel(assessment, request.user),
        },
        status=400 if form.is_bound else 200,
    )


@login_required
@require_POST
def tumour_void(request, pk):
    assessment = _get_assessment_for_user(request, pk)
    try:
        tumour.tumour_assessment_void(
            assessment=assessment, by=request.user, reason=request.POST.get("reason", "")
        )
    except ValidationError as error:
        add_service_messages(request, error)
    else:
        messages.success(request, f"{record_title(assessment)} voided.")
    return redirect("tumour_assessment", pk=assessment.pk)
