"""The disposition form, posted from the subject page's disposition section."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.http import require_POST

from dispositions.forms import DispositionForm
from dispositions.models import DispositionKind
from dispositions.services import disposition_record
from trial import hooks
from trial.access import get_subject_for_user
from trial.forms import add_service_messages

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
