"""The disposition form, posted from the subject page's disposition section, and a recorded
disposition's own page: its correction and its void (site staff)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from dispositions.forms import DispositionCorrectForm, DispositionForm
from dispositions.models import Disposition, DispositionKind
from dispositions.services import disposition_correct, disposition_record, disposition_void
from review import crf_pages
from review import selectors as review_selectors
from review.contract import REASON_FOR_CHANGE
from trial import hooks
from trial.access import can, get_subject_for_user, require
from trial.capabilities import Capability
from trial.forms import add_service_errors, add_service_messages

LABEL = "dispositions.disposition"


def _today():
    return timezone.localdate()


@login_required
@require_POST
def disposition(request, pk):
    subject = get_subject_for_user(request.user, pk)
    form = DispositionForm(request.POST)
    if form.is_valid():
        try:
            disposition_record(
                subject=subject,
                by=request.user,
                kind=form.cleaned_data["kind"],
                on=form.cleaned_data["event_date"],
                reason=form.cleaned_data["reason"],
                today=_today(),
            )
        except ValidationError as error:
            add_service_messages(request, error)
        else:
            messages.success(
                request, f"{DispositionKind(form.cleaned_data['kind']).label} recorded."
            )
            return redirect("subject_detail", pk=subject.pk)
    else:
        messages.error(request, "Choose the event, its date and a reason.")
    # Refused: the subject page again, this section's form showing what was typed.
    return hooks.call("subject_page", request=request, subject=subject, bound={LABEL: form})


def _get_disposition_for_user(request, pk) -> Disposition:
    """A disposition of a subject the user may see, else 404 (ids are not confirmed)."""
    try:
        record = Disposition.objects.get(pk=pk)
    except (Disposition.DoesNotExist, ValueError):
        raise Http404("No such disposition") from None
    record.subject = get_subject_for_user(request.user, record.subject_id)
    return record


def _require_entry(request, record, action):
    # Before the form is read: the others are refused (403), not shown its errors.
    require(request.user, Capability.ENTER_DATA, record.subject, action=action)


@login_required
def disposition_detail(request, pk):
    """The disposition, and for the site staff its correction (POST here) and void forms."""
    record = _get_disposition_for_user(request, pk)
    form = None
    if request.method == "POST":
        _require_entry(request, record, "correct dispositions")
        form = DispositionCorrectForm(request.POST)
        if form.is_valid():
            try:
                disposition_correct(
                    disposition=record,
                    by=request.user,
                    values={
                        "event_date": form.cleaned_data["event_date"],
                        "reason": form.cleaned_data["reason"],
                    },
                    expected_version=form.cleaned_data["version"],
                    reason=form.cleaned_data["reason_for_change"],
                    today=_today(),
                )
            except ValidationError as error:
                _add_correction_errors(form, error)
            else:
                messages.success(request, f"{record.get_kind_display()} corrected.")
                return redirect("disposition_detail", pk=record.pk)
    return _render_detail(request, record, form=form)


def _add_correction_errors(form, error: ValidationError) -> None:
    # The contract names the reason for change "reason", the disposition's own text here.
    if hasattr(error, "error_dict") and error.message_dict.get("reason") == [REASON_FOR_CHANGE]:
        form.add_error("reason_for_change", REASON_FOR_CHANGE)
        return
    add_service_errors(form, error)


@login_required
@require_POST
def disposition_void_view(request, pk):
    record = _get_disposition_for_user(request, pk)
    _require_entry(request, record, "void dispositions")
    form, voided = crf_pages.void(
        request,
        record,
        lambda *, record, **kwargs: disposition_void(disposition=record, **kwargs),
        now=timezone.now(),
    )
    if voided:
        return redirect("subject_detail", pk=record.subject_id)
    return _render_detail(request, record, void_form=form)


def _render_detail(request, record, *, form=None, void_form=None):
    review = review_selectors.record_panel(record, request.user)
    can_edit = (
        record.voided_at is None
        and not review.locked
        and can(request.user, Capability.ENTER_DATA, record.subject)
    )
    bound = form is not None or void_form is not None
    return render(
        request,
        "dispositions/disposition_detail.html",
        {
            "record": record,
            "subject": record.subject,
            "review": review,
            "can_edit": can_edit,
            "form": form or DispositionCorrectForm.of(record),
            "void_form": void_form or crf_pages.blank_void_form(record),
        },
        status=400 if bound else 200,
    )
