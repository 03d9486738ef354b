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
    DispositionForm,
    DoseVoidForm,
    DosingForm,
    FollowUpAssessmentForm,
    MissedForm,
    TumourCorrectionForm,
    VisitDateForm,
)
from dosing.models import DispositionKind, DosingRecord, TumourAssessment
from review import selectors as review_selectors
from review.field_notes import annotate_fields, field_notes
from review.forms import make_read_only
from review.records import record_title, subject_sections
from trial import schedule
from trial.access import can, get_subject_for_user, scope_to_sites
from trial.capabilities import Capability
from trial.forms import add_service_errors
from trial.models import Visit, VisitKind

DISPOSITION_SERVICES = {
    DispositionKind.END_OF_TREATMENT: services.subject_end_treatment,
    DispositionKind.WITHDRAWAL: services.subject_withdraw,
    DispositionKind.LOST_TO_FOLLOW_UP: services.subject_lost_to_follow_up,
    DispositionKind.DEATH: services.subject_died,
    DispositionKind.END_OF_STUDY: services.subject_complete_study,
}


def _today():
    return timezone.localdate()


def _get_visit_for_user(request, pk) -> Visit:
    try:
        return (
            selectors.visits_for(request.user)
            .select_related("subject", "subject__site", "subject__dose_level", "subject__study")
            .get(pk=pk)
        )
    except Visit.DoesNotExist:
        raise Http404("No such visit") from None


def _errors_to_messages(request, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


@login_required
def subject_page(request, pk):
    return _subject_page(request, get_subject_for_user(request.user, pk))


def _subject_page(request, subject, *, status=200, posted_visit=None, **bound):
    """The subject page; after a refused visit or disposition form, `bound` is that form
    (and `posted_visit` its visit) so the page shows what was typed with the message."""
    today = _today()
    # The subject was read in this request: its stored dose dates are current.
    c1d1 = subject.first_dose_on or subject.planned_c1d1
    rows = selectors.timeline(subject, today=today, c1d1=c1d1)
    overdue = [r for r in rows if r.status == "missed" and not r.visit.missed_reason]
    subject_review = review_selectors.subject_review(subject, request.user)
    # A locked subject is read-only for everyone: no editing buttons.
    can_edit = subject_review.lock is None and can(request.user, Capability.ENTER_DATA, subject)
    context = {
        "subject": subject,
        "subject_review": subject_review,
        "rows": rows,
        "c1d1": c1d1,
        "first_dose": subject.first_dose_on,
        "last_dose": subject.last_dose_on,
        "pregnancy_window_closes": (
            schedule.followup_window_closes_on(subject.last_dose_on)
            if subject.last_dose_on
            else None
        ),
        "overdue": overdue,
        "dispositions": subject.dispositions.all(),
        "can_edit": can_edit,
        # Voiding or correcting a subject entered in error: data managers and admins.
        "can_correct": subject.voided_at is None
        and can(request.user, Capability.CORRECT_SUBJECT, subject),
        "today": today,
        "posted_visit": posted_visit,
        "visit_date_form": VisitDateForm(initial={"completed_on": today}),
        "missed_form": MissedForm(),
        "disposition_form": DispositionForm(initial={"event_date": today}),
        "eligibility": getattr(subject, "eligibility", None),
        "assessments": subject.tumour_assessments.all(),
        "has_baseline": tumour.live_assessments(subject).filter(is_baseline=True).exists(),
        "best_response": tumour.best_response(subject),
        "subject_sections": subject_sections(subject, request.user),
    } | bound
    return render(request, "dosing/subject_page.html", context, status=status)


@login_required
def dosing_form(request, visit_pk):
    visit = _get_visit_for_user(request, visit_pk)
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
    visit = _get_visit_for_user(request, visit_pk)
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
        _errors_to_messages(request, error)
        return redirect("visit_dosing", visit_pk=visit.pk)
    messages.success(request, f"Dose of {visit.code} voided.")
    return redirect("subject_detail", pk=visit.subject_id)


@login_required
@require_POST
def visit_complete(request, visit_pk):
    visit = _get_visit_for_user(request, visit_pk)
    form = VisitDateForm(request.POST)
    if form.is_valid():
        try:
            services.visit_complete(
                visit=visit, by=request.user, on=form.cleaned_data["completed_on"], today=_today()
            )
        except ValidationError as error:
            _errors_to_messages(request, error)
        else:
            messages.success(request, f"{visit.code} recorded as performed.")
            return redirect("subject_detail", pk=visit.subject_id)
    else:
        messages.error(request, f"{visit.code}: enter the visit date (YYYY-MM-DD).")
    return _subject_page(
        request, visit.subject, status=400, posted_visit=visit.pk, visit_date_form=form
    )


@login_required
@require_POST
def visit_missed(request, visit_pk):
    visit = _get_visit_for_user(request, visit_pk)
    form = MissedForm(request.POST)
    if form.is_valid():
        try:
            services.visit_mark_missed(
                visit=visit, by=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            _errors_to_messages(request, error)
        else:
            messages.success(request, f"{visit.code} recorded as missed.")
            return redirect("subject_detail", pk=visit.subject_id)
    else:
        messages.error(request, f"{visit.code}: give the reason the visit was missed.")
    return _subject_page(
        request, visit.subject, status=400, posted_visit=visit.pk, missed_form=form
    )


@login_required
@require_POST
def disposition(request, pk):
    subject = get_subject_for_user(request.user, pk)
    form = DispositionForm(request.POST)
    if form.is_valid():
        service = DISPOSITION_SERVICES[DispositionKind(form.cleaned_data["kind"])]
        try:
            service(
                subject=subject,
                by=request.user,
                on=form.cleaned_data["event_date"],
                reason=form.cleaned_data["reason"],
                today=_today(),
            )
        except ValidationError as error:
            _errors_to_messages(request, error)
        else:
            messages.success(
                request, f"{DispositionKind(form.cleaned_data['kind']).label} recorded."
            )
            return redirect("subject_detail", pk=subject.pk)
    else:
        messages.error(request, "Choose the event, its date and a reason.")
    return _subject_page(request, subject, status=400, disposition_form=form)


@login_required
def worklist(request):
    due, overdue = selectors.worklist(request.user, today=_today())
    return render(request, "dosing/worklist.html", {"due": due, "overdue": overdue})


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
        _errors_to_messages(request, error)
    else:
        messages.success(request, f"{record_title(assessment)} voided.")
    return redirect("tumour_assessment", pk=assessment.pk)
