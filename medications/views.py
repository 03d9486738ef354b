"""Medication pages: a subject's list, a new entry, one entry (read, edit, void)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render, resolve_url
from django.utils import timezone
from django.views.decorators.http import require_POST

from medications import selectors, services
from medications.forms import MedicationForm
from medications.models import ConcomitantMedication
from review import crf_pages
from trial.access import can, get_subject_for_user
from trial.capabilities import Capability
from trial.forms import add_service_errors
from trial.selectors import first_dose_date

_DETAIL = "medications/medication_detail.html"


def _now():
    return timezone.now()


def _get_medication_for_user(request, pk) -> ConcomitantMedication:
    """An entry at one of the user's sites (for the roles that read medications), else 404."""
    try:
        return selectors.medications_for(request.user).get(pk=pk)
    except (ConcomitantMedication.DoesNotExist, ValueError):
        raise Http404("No such medication") from None


@login_required
def medication_list(request, pk):
    subject = get_subject_for_user(request.user, pk, Capability.READ_BACKGROUND)
    first_dose = first_dose_date(subject)
    entries = [
        (entry, selectors.timing_of(entry, first_dose))
        for entry in subject.medications.select_related(
            "indication_ae", "indication_history"
        ).order_by("sequence")
    ]
    return render(
        request,
        "medications/medication_list.html",
        {
            "subject": subject,
            "entries": entries,
            "first_dose": first_dose,
            "can_edit": can(request.user, Capability.ENTER_DATA, subject),
        },
    )


def _initial_indication(request) -> dict:
    """`?indication_ae=` (the AE page's "Record a medication for this AE"): the form opens with
    that AE chosen; the form's choices hold only the subject's own live AEs, so another
    subject's AE is not offered and would be refused on save."""
    ae = request.GET.get("indication_ae", "")
    return {"indication_ae": ae} if ae.isdigit() else {}


@login_required
def medication_new(request, pk):
    subject = get_subject_for_user(request.user, pk, Capability.ENTER_DATA)
    form = MedicationForm(
        request.POST or None, subject=subject, editing=False, initial=_initial_indication(request)
    )
    if request.method == "POST" and form.is_valid():
        try:
            record = services.medication_record(
                subject=subject, by=request.user, values=form.values(), now=_now()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{record.title} recorded.")
            return redirect("medication_list", pk=subject.pk)
    return render(
        request,
        "medications/medication_form.html",
        {"subject": subject, "form": form},
        status=400 if form.is_bound else 200,
    )


def _timing(record) -> dict:
    # Prior or concomitant: the page shows it beside the version.
    return {"timing": selectors.timing_of(record, first_dose_date(record.subject))}


@login_required
def medication_detail(request, pk):
    record = _get_medication_for_user(request, pk)
    return crf_pages.record_page(
        request,
        record,
        template=_DETAIL,
        form_factory=lambda data: MedicationForm(
            data, instance=record, subject=record.subject, editing=True
        ),
        update=services.medication_update,
        now=_now(),
        done="medication_detail",
        extra=_timing,
    )


@login_required
@require_POST
def medication_void(request, pk):
    record = _get_medication_for_user(request, pk)
    return crf_pages.void_page(
        request,
        record,
        services.medication_void,
        template=_DETAIL,
        now=_now(),
        after=resolve_url("medication_list", pk=record.subject_id),
        extra=_timing,
    )
