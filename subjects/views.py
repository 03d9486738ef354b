"""The subject page and the site worklist: subject-facing pages that read every CRF app.

The visit rows' forms post here, so that a refused form comes back on the subject page with
what was typed; a CRF app's section whose form posts to its own view (the disposition) gets
the page back through the "subject_page" hook (trial.hooks)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import prefetch_related_objects
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from review import selectors as review_selectors
from review import visits
from review.records import subject_sections
from subjects import selectors
from subjects.forms import VISIT, MissedForm, VisitDateForm
from trial import schedule
from trial.access import can, get_subject_for_user, get_visit_for_user
from trial.capabilities import Capability
from trial.forms import add_service_messages


def _today():
    return timezone.localdate()


@login_required
def subject_page(request, pk):
    return _subject_page(request, get_subject_for_user(request.user, pk))


def subject_page_refused(*, request, subject, bound: dict):
    """The subject page after a form posted from it was refused: `bound` is {kind label:
    form}, shown with what was typed and its errors (status 400)."""
    return _subject_page(request, subject, status=400, bound=bound)


def _subject_page(request, subject, *, status=200, bound=None):
    """The subject page. `bound` ({kind label: form}) holds a form refused on post: a
    section's under its kind's label, a visit row's (performed or missed) under the visit's
    kind, VISIT, its `visit_pk` saying which row."""
    bound = bound or {}
    visit_form = bound.get(VISIT)
    today = _today()
    # Read once for the visit rows and the sections that list the visits.
    prefetch_related_objects([subject], "visits")
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
        "can_edit": can_edit,
        # Voiding or correcting a subject entered in error: data managers and admins.
        "can_correct": subject.voided_at is None
        and can(request.user, Capability.CORRECT_SUBJECT, subject),
        "today": today,
        "posted_visit": visit_form.visit_pk if visit_form else None,
        "visit_date_form": (
            visit_form
            if isinstance(visit_form, VisitDateForm)
            else VisitDateForm(initial={"completed_on": today})
        ),
        "missed_form": visit_form if isinstance(visit_form, MissedForm) else MissedForm(),
        "eligibility": getattr(subject, "eligibility", None),
        "subject_sections": subject_sections(subject, request.user, bound),
    }
    return render(request, "subjects/subject_page.html", context, status=status)


@login_required
@require_POST
def visit_complete(request, visit_pk):
    visit = get_visit_for_user(request.user, visit_pk)
    form = VisitDateForm(request.POST, visit_pk=visit.pk)
    if form.is_valid():
        try:
            visits.visit_complete(
                visit=visit, by=request.user, on=form.cleaned_data["completed_on"], today=_today()
            )
        except ValidationError as error:
            add_service_messages(request, error)
        else:
            messages.success(request, f"{visit.code} recorded as performed.")
            return redirect("subject_detail", pk=visit.subject_id)
    else:
        messages.error(request, f"{visit.code}: enter the visit date (YYYY-MM-DD).")
    return subject_page_refused(request=request, subject=visit.subject, bound={VISIT: form})


@login_required
@require_POST
def visit_missed(request, visit_pk):
    visit = get_visit_for_user(request.user, visit_pk)
    form = MissedForm(request.POST, visit_pk=visit.pk)
    if form.is_valid():
        try:
            visits.visit_mark_missed(
                visit=visit, by=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            add_service_messages(request, error)
        else:
            messages.success(request, f"{visit.code} recorded as missed.")
            return redirect("subject_detail", pk=visit.subject_id)
    else:
        messages.error(request, f"{visit.code}: give the reason the visit was missed.")
    return subject_page_refused(request=request, subject=visit.subject, bound={VISIT: form})


@login_required
def worklist(request):
    due, overdue = selectors.worklist(request.user, today=_today())
    return render(request, "subjects/worklist.html", {"due": due, "overdue": overdue})
