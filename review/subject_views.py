"""Pages that correct or void a registered subject (review.subjects)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render

from review import subjects as services
from review.forms import SubjectCorrectForm, SubjectVoidForm
from trial.access import can, get_subject_for_user
from trial.capabilities import Capability
from trial.forms import add_service_errors


def _subject_for_data_manager(request, pk):
    """403 for a role that never voids or corrects subjects; 404 outside the user's sites."""
    if not can(request.user, Capability.CORRECT_SUBJECT):
        raise PermissionDenied("Only data managers and administrators void or correct subjects.")
    subject = get_subject_for_user(request.user, pk, Capability.CORRECT_SUBJECT)
    if subject.voided_at:
        raise Http404("This subject was voided")
    return subject


def _subject_form_page(request, subject, form, template, apply, done: str):
    if request.method == "POST" and form.is_valid():
        try:
            apply(form)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, done)
            return None
    return render(
        request,
        template,
        {"subject": subject, "form": form},
        status=400 if form.is_bound else 200,
    )


@login_required
def subject_void(request, pk):
    """Void a subject entered in error (nothing is deleted; the reason is audited)."""
    subject = _subject_for_data_manager(request, pk)
    form = SubjectVoidForm(request.POST if request.method == "POST" else None)
    page = _subject_form_page(
        request,
        subject,
        form,
        "trial/subject_void.html",
        lambda f: services.subject_void(
            subject=subject, by=request.user, reason=f.cleaned_data["reason"]
        ),
        f"Subject {subject} voided as entered in error.",
    )
    return page or redirect("subject_list")


@login_required
def subject_correct(request, pk):
    """Correct a subject's registration data (sex, date of birth, tumour type), with a reason."""
    subject = _subject_for_data_manager(request, pk)
    form = SubjectCorrectForm(request.POST if request.method == "POST" else None, instance=subject)
    page = _subject_form_page(
        request,
        subject,
        form,
        "trial/subject_correct.html",
        lambda f: services.subject_update(
            subject=subject, by=request.user, reason=f.cleaned_data["reason"], **f.changes()
        ),
        f"Registration data of subject {subject} corrected.",
    )
    return page or redirect("subject_detail", pk=subject.pk)
