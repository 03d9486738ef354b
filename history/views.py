"""Medical-history pages: a subject's list, a new entry, one entry (read, edit, void)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render, resolve_url
from django.utils import timezone
from django.views.decorators.http import require_POST

from adverse_events.models import CtcaeTerm
from history import selectors, services
from history.forms import MedicalHistoryForm
from history.models import MedicalHistory
from review import crf_pages
from trial.access import can, get_subject_for_user
from trial.capabilities import Capability
from trial.forms import add_service_errors

_DETAIL = "history/medical_history_detail.html"


def _now():
    return timezone.now()


def _terms():
    return CtcaeTerm.objects.only("term", "soc", "meddra_code").order_by("term")


def _get_history_for_user(request, pk) -> MedicalHistory:
    """An entry at one of the user's sites (for the roles that read histories), else 404."""
    try:
        return (
            selectors.medical_history_for(request.user).select_related("subject__study").get(pk=pk)
        )
    except (MedicalHistory.DoesNotExist, ValueError):
        raise Http404("No such medical history entry") from None


@login_required
def medical_history_list(request, pk):
    subject = get_subject_for_user(request.user, pk, Capability.READ_BACKGROUND)
    entries = subject.medical_history.select_related("term").order_by("sequence")
    return render(
        request,
        "history/medical_history_list.html",
        {
            "subject": subject,
            "entries": entries,
            "can_edit": can(request.user, Capability.ENTER_DATA, subject),
        },
    )


@login_required
def medical_history_new(request, pk):
    subject = get_subject_for_user(request.user, pk, Capability.ENTER_DATA)
    form = MedicalHistoryForm(request.POST or None, editing=False)
    if request.method == "POST" and form.is_valid():
        try:
            record = services.medical_history_record(
                subject=subject, by=request.user, values=form.values(), now=_now()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{record.title} recorded.")
            return redirect("medical_history_list", pk=subject.pk)
    return render(
        request,
        "history/medical_history_form.html",
        {"subject": subject, "form": form, "terms": _terms()},
        status=400 if form.is_bound else 200,
    )


@login_required
def medical_history_detail(request, pk):
    record = _get_history_for_user(request, pk)
    return crf_pages.record_page(
        request,
        record,
        template=_DETAIL,
        form_factory=lambda data: MedicalHistoryForm(data, instance=record, editing=True),
        update=services.medical_history_update,
        now=_now(),
        done="medical_history_detail",
        # The form's term list: a lazy queryset, run only where the form is shown.
        extra=lambda record: {"terms": _terms()},
    )


@login_required
@require_POST
def medical_history_void(request, pk):
    record = _get_history_for_user(request, pk)
    return crf_pages.void_page(
        request,
        record,
        services.medical_history_void,
        template=_DETAIL,
        now=_now(),
        after=resolve_url("medical_history_list", pk=record.subject_id),
    )
