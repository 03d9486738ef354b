from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from review import crf_pages
from review import selectors as review_selectors
from review.forms import SignForm, make_read_only
from screening import lab_panel, services
from screening.forms import ConsentForm, EligibilityForm, EnrollForm, ReasonForm, RegistrationForm
from screening.models import Consent, EligibilityAssessment
from screening.selectors import failures_by_criterion, screening_funnel
from trial import hooks
from trial.access import can, get_subject_for_user, require, sites_for, subjects_for
from trial.boin import BoinState
from trial.capabilities import Capability
from trial.forms import add_service_errors
from trial.models import SubjectStatus
from trial.paging import page_of, query_string_without
from trial.services import subject_register
from trial.spreadsheet import csv_writer
from trial.study import current_study


def _today():
    return timezone.localdate()


def _messages_of(error: ValidationError) -> list[str]:
    return (
        [m for messages_ in error.message_dict.values() for m in messages_]
        if hasattr(error, "error_dict")
        else list(error.messages)
    )


@login_required
def register(request):
    sites = sites_for(request.user, Capability.ENTER_DATA)
    if not sites.exists():
        raise PermissionDenied("Only site coordinators and investigators register patients.")
    form = RegistrationForm(request.POST or None, sites=sites)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            subject = subject_register(
                study=current_study(),
                site=data["site"],
                by=request.user,
                sex=data["sex"],
                date_of_birth=data["date_of_birth"],
                race=data["race"],
                ethnicity=data["ethnicity"],
                tumour_type=data["tumour_type"],
                tumour_type_other=data["tumour_type_other"],
                different_patient_confirmed=data["different_patient_confirmed"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Registered {subject.screening_number}. Record consent.")
            return redirect("screening_subject", pk=subject.pk)
    return render(request, "screening/register.html", {"form": form})


def _screening_context(request, subject, **extra):
    assessment = EligibilityAssessment.objects.filter(subject=subject).first()
    today = _today()
    blockers, state = ([], None)
    if subject.status == SubjectStatus.SCREENING:
        blockers, state = services.enrollment_check(subject=subject, planned_c1d1=None, today=today)
        blockers = [b for b in blockers if "planned C1D1" not in b]
    review = review_selectors.record_panel(assessment, request.user) if assessment else None
    # A locked subject (or eligibility) is read-only for everyone.
    unlocked = review_selectors.lock_of(assessment or subject) is None
    consent = Consent.objects.filter(subject=subject).first()
    context = {
        "subject": subject,
        "consent": consent,
        "assessment": assessment,
        "review": review,
        "can_edit": unlocked and can(request.user, Capability.ENTER_DATA, subject),
        "can_confirm": unlocked and can(request.user, Capability.CONFIRM_ELIGIBILITY, subject),
        # What the investigator signs for: every criterion with its facts and outcome, as
        # the rules judge the saved assessment today.
        "criteria": (
            services.eligibility_evaluate(
                subject=subject, values=services.assessment_values(assessment), today=today
            )[0].findings
            if assessment is not None
            and not assessment.voided_at
            and subject.status == SubjectStatus.SCREENING
            else ()
        ),
        "confirm_form": SignForm(),
        "enroll_blockers": blockers,
        "escalation": state,
        "consent_form": ConsentForm(consent=consent),
        "consent_void_form": crf_pages.blank_void_form(consent) if consent else None,
        "eligibility_void_form": crf_pages.blank_void_form(assessment) if assessment else None,
        "consent_voided_note": services.CONSENT_VOIDED,
        "eligibility_voided_note": services.ELIGIBILITY_VOIDED,
        "fail_form": ReasonForm(),
        "enroll_form": EnrollForm(initial={"planned_c1d1": today}),
    }
    return context | extra


@login_required
def screening_subject(request, pk):
    subject = get_subject_for_user(request.user, pk)
    return render(request, "screening/subject.html", _screening_context(request, subject))


@login_required
@require_POST
def consent(request, pk):
    """Record consent, or correct it: a correction posts the version its form was opened at."""
    subject = get_subject_for_user(request.user, pk)
    consent = getattr(subject, "consent", None)
    form = ConsentForm(request.POST, consent=consent)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if data["version"] is None or consent is None:
                services.consent_record(
                    subject=subject,
                    by=request.user,
                    icf_version=data["icf_version"],
                    signed_at=data["signed_at"],
                    now=timezone.now(),
                )
            else:
                services.consent_update(
                    consent=consent,
                    by=request.user,
                    icf_version=data["icf_version"],
                    signed_at=data["signed_at"],
                    reason=data.get("reason") or "",
                    expected_version=data["version"],
                    now=timezone.now(),
                )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Consent corrected." if consent else "Consent recorded.")
            return redirect("screening_subject", pk=subject.pk)
    context = _screening_context(request, subject, consent_form=form)
    return render(request, "screening/subject.html", context, status=400)


def _screening_void(request, pk, model, void_record, what: str):
    """The void of a screening CRF from the screening page (docs/screening.md, "Voids")."""
    subject = get_subject_for_user(request.user, pk)
    require(request.user, Capability.ENTER_DATA, subject, action=f"void {what}")
    record = model.objects.filter(subject=subject).first()
    if record is None:
        raise Http404(f"No {what} is recorded for this subject.")
    form, voided = crf_pages.void(request, record, void_record, now=timezone.now())
    if voided:
        return redirect("screening_subject", pk=subject.pk)
    name = "consent_void_form" if model is Consent else "eligibility_void_form"
    context = _screening_context(request, subject, **{name: form})
    return render(request, "screening/subject.html", context, status=400)


@login_required
@require_POST
def consent_void(request, pk):
    return _screening_void(request, pk, Consent, services.consent_void, "informed consent")


@login_required
@require_POST
def eligibility_void(request, pk):
    return _screening_void(
        request, pk, EligibilityAssessment, services.eligibility_void, "eligibility assessment"
    )


def _eligibility_form(request, subject, assessment, data=None):
    return EligibilityForm(
        data,
        instance=assessment or EligibilityAssessment(subject=subject),
        subject=subject,
        lab_limits=subject.study.lab_limits.all(),
        editing=assessment is not None,
        panel=lab_panel.panel_answers(
            services.thresholds_for(subject.study).lab_limits, services.screening_panel(subject)
        ),
    )


@login_required
def eligibility(request, pk):
    subject = get_subject_for_user(request.user, pk)
    assessment = EligibilityAssessment.objects.filter(subject=subject).first()
    form = _eligibility_form(request, subject, assessment, request.POST or None)
    locked = review_selectors.lock_of(assessment or subject) is not None
    # Read-only for the roles that may read it but not change it (the service's rule).
    voided = assessment is not None and assessment.voided_at is not None
    editable = can(request.user, Capability.ENTER_DATA, subject) and not locked and not voided
    if not editable:
        make_read_only(form)
    result = None
    if request.method == "POST" and form.is_valid():
        try:
            services.eligibility_save(
                subject=subject,
                by=request.user,
                values=form.values(),
                today=_today(),
                reason=form.cleaned_data.get("reason") or "",
                expected_version=form.cleaned_data.get("version"),
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                form.add_rule_errors(error.message_dict)
            else:
                form.add_error(None, error.messages)
        else:
            messages.success(request, "Eligibility assessment saved.")
            return redirect("screening_subject", pk=subject.pk)
    values = {}
    if form.is_bound and hasattr(form, "cleaned_data"):
        values = form.values()
    elif assessment:
        values = services.assessment_values(assessment)
    if values:
        result, _errors = services.eligibility_evaluate(
            subject=subject, values=values, today=_today()
        )
    status = 400 if form.is_bound else 200
    return render(
        request,
        "screening/eligibility.html",
        {
            "subject": subject,
            "form": form,
            "result": result,
            "cross_check": services.prior_therapy_cross_check(subject=subject, values=values),
            "assessment": assessment,
            "locked": locked,
            "editable": editable,
            "voided_note": services.ELIGIBILITY_VOIDED if voided else "",
            "open_queries": review_selectors.open_queries_for(assessment) if assessment else [],
        },
        status=status,
    )


@login_required
@require_POST
def eligibility_preview(request, pk):
    """Live result as the form fills (htmx): nothing is saved."""
    subject = get_subject_for_user(request.user, pk)
    assessment = EligibilityAssessment.objects.filter(subject=subject).first()
    form = _eligibility_form(request, subject, assessment, request.POST)
    form.is_valid()  # partial answers are expected; evaluate what parsed
    result, errors = services.eligibility_evaluate(
        subject=subject, values=form.values(), today=_today()
    )
    cross_check = services.prior_therapy_cross_check(subject=subject, values=form.values())
    return render(
        request,
        "screening/_eligibility_result.html",
        {"result": result, "errors": errors, "cross_check": cross_check},
    )


@login_required
@require_POST
def eligibility_confirm(request, pk):
    subject = get_subject_for_user(request.user, pk)
    form = SignForm(request.POST)
    form.is_valid()  # the service names a missing or wrong password
    try:
        services.eligibility_confirm(
            subject=subject,
            by=request.user,
            today=_today(),
            password=form.cleaned_data.get("password", ""),
            request=request,
        )
    except ValidationError as error:
        messages.error(request, " ".join(_messages_of(error)))
    else:
        messages.success(request, "Eligibility confirmed.")
    return redirect("screening_subject", pk=subject.pk)


@login_required
@require_POST
def screen_fail(request, pk):
    subject = get_subject_for_user(request.user, pk)
    form = ReasonForm(request.POST)
    if form.is_valid():
        try:
            services.subject_screen_fail(
                subject=subject, by=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            form.add_error(None, _messages_of(error))
        else:
            messages.success(request, f"{subject} recorded as a screen failure.")
            return redirect("screening_subject", pk=subject.pk)
    context = _screening_context(request, subject, fail_form=form)
    return render(request, "screening/subject.html", context, status=400)


@login_required
@require_POST
def enroll(request, pk):
    subject = get_subject_for_user(request.user, pk)
    form = EnrollForm(request.POST)
    if form.is_valid():
        try:
            subject = services.subject_enroll(
                subject=subject,
                by=request.user,
                planned_c1d1=form.cleaned_data["planned_c1d1"],
                today=_today(),
            )
        except ValidationError as error:
            form.add_error(None, _messages_of(error))
        else:
            messages.success(
                request,
                f"Enrolled as {subject.subject_number} at {subject.dose_level.code}; "
                "visit schedule created.",
            )
            return redirect("screening_subject", pk=subject.pk)
    context = _screening_context(request, subject, enroll_form=form)
    return render(request, "screening/subject.html", context, status=400)


@login_required
def screening_log(request):
    subjects = (
        subjects_for(request.user)
        .active()
        .select_related("site", "eligibility", "dose_level")
        .order_by("site__code", "screening_number", "pk")
    )
    counts = screening_funnel(subjects)
    if request.GET.get("format") == "csv":
        rows = [_log_row(subject) for subject in subjects]
        response = HttpResponse(content_type="text/csv")
        response["Content-Disposition"] = 'attachment; filename="screening-log.csv"'
        writer = csv_writer(response)
        writer.writerow(
            [
                "site",
                "screening_number",
                "subject_number",
                "status",
                "eligibility",
                "assessment_date",
                "failed_criteria",
                "screen_failure_reason",
            ]
        )
        for r in rows:
            s, a = r["subject"], r["assessment"]
            writer.writerow(
                [
                    s.site.code,
                    s.screening_number,
                    s.subject_number or "",
                    s.status,
                    ("voided" if a.voided_at else a.status) if a else "",
                    a.assessment_date if a else "",
                    " ".join(r["failed"]),
                    a.screen_failure_reason if a else "",
                ]
            )
        hooks.call(
            "download_record",
            by=request.user,
            what="screening_log",  # exports.models.BulkDownload
            filters={},
            rows=len(rows),
            site_codes={r["subject"].site.code for r in rows},
        )
        return response
    # On screen one page of subjects; the failures by criterion over all screen failures.
    page = page_of(request, subjects)
    return render(
        request,
        "screening/log.html",
        {
            "rows": [_log_row(subject) for subject in page],
            "page": page,
            "query_string": query_string_without(request.GET, "page"),
            "counts": counts,
            "failures": failures_by_criterion(subjects),
        },
    )


def _log_row(subject) -> dict:
    assessment = getattr(subject, "eligibility", None)
    # A voided assessment judges nothing (a screen failure's reason stays on it).
    standing = assessment is not None and assessment.voided_at is None
    failed = [f["code"] for f in assessment.failed_findings] if standing else []
    return {"subject": subject, "assessment": assessment, "failed": failed}


@login_required
def dose_escalation(request):
    study = current_study()
    state = services.escalation_for(study, today=_today())
    doses = {d.code: d for d in study.dose_levels.all()}
    context = {
        "state": state,
        "study": study,
        "rows": [(level, doses[level.code]) for level in state.levels],
    }
    if isinstance(state, BoinState):
        estimates = dict(state.selection.estimates) if state.selection else {}
        context |= {
            "boin": True,
            "mtd_rows": [(level, estimates.get(level.code)) for level in state.levels],
        }
    return render(request, "screening/dose_escalation.html", context)
