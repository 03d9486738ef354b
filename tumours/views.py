"""The RECIST 1.1 pages: record the baseline and the follow-up time points, read, correct
and void one (their section of the subject page: tumours.crf)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from review import selectors as review_selectors
from review.forms import make_read_only
from review.records import record_title
from trial.access import can, get_subject_for_user, scope_to_sites
from trial.capabilities import Capability
from trial.forms import add_service_errors, add_service_messages
from tumours import services
from tumours.forms import BaselineForm, FollowUpAssessmentForm, TumourCorrectionForm
from tumours.models import NonTarget, TumourAssessment


def _today():
    return timezone.localdate()


def _staff_subject(request, pk):
    return get_subject_for_user(request.user, pk, Capability.ENTER_DATA)


@login_required
def tumour_baseline(request, pk):
    subject = _staff_subject(request, pk)
    form = BaselineForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.baseline_record(
                subject=subject,
                by=request.user,
                assessment_date=form.cleaned_data["assessment_date"],
                lesions=form.cleaned_data["lesions"],
                non_target_lesions=form.cleaned_data["non_target_lesions"],
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
        "tumours/tumour_baseline.html",
        {"subject": subject, "form": form},
        status=400 if form.is_bound else 200,
    )


@login_required
def tumour_follow_up(request, pk):
    subject = _staff_subject(request, pk)
    baseline = services.live_assessments(subject).filter(is_baseline=True).first()
    form = FollowUpAssessmentForm(
        request.POST or None,
        lesions=services.live_lesions(subject),
        non_target_lesions=services.live_non_target_lesions(subject),
        summary_non_target=baseline is None or baseline.non_target != NonTarget.NOT_PRESENT,
        earlier_new_lesions=services.new_lesion_ids(subject),
    )
    if request.method == "POST" and form.is_valid():
        try:
            row = services.follow_up_record(
                subject=subject,
                by=request.user,
                assessment_date=form.cleaned_data["assessment_date"],
                diameters=form.diameters(),
                non_target=form.cleaned_data.get("non_target"),
                non_target_states=form.non_target_states(),
                new_lesions=form.cleaned_data["new_lesions"],
                new_lesion_rows=form.new_lesion_rows(),
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
        "tumours/tumour_follow_up.html",
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
    observations = list(
        assessment.non_target_observations.select_related("lesion").order_by("lesion__lesion_id")
    )
    new_entries = list(assessment.new_lesion_entries.all())
    form = TumourCorrectionForm(
        request.POST or None,
        assessment=assessment,
        measurements=measurements,
        observations=observations,
        new_entries=new_entries,
    )
    if not editable:
        make_read_only(form)
    if request.method == "POST" and form.is_valid():
        try:
            services.tumour_assessment_correct(
                assessment=assessment,
                by=request.user,
                expected_version=form.cleaned_data["version"],
                reason=form.cleaned_data["reason"],
                diameters=form.diameters(),
                non_target=form.cleaned_data.get("non_target"),
                non_target_states=form.non_target_states(),
                new_lesions=form.cleaned_data.get("new_lesions"),
                new_lesion_equivocal=form.new_lesion_equivocal(),
                method=form.cleaned_data["method"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{record_title(assessment)} corrected.")
            return redirect("tumour_assessment", pk=assessment.pk)
    return render(
        request,
        "tumours/tumour_assessment.html",
        {
            "assessment": assessment,
            "subject": subject,
            "measurements": measurements,
            "observations": observations,
            "new_entries": new_entries,
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
        services.tumour_assessment_void(
            assessment=assessment, by=request.user, reason=request.POST.get("reason", "")
        )
    except ValidationError as error:
        add_service_messages(request, error)
    else:
        messages.success(request, f"{record_title(assessment)} voided.")
    return redirect("tumour_assessment", pk=assessment.pk)
