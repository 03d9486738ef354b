"""Prior cancer therapy pages: a subject's list, a new record, one record (read, edit, void).

The three CRFs (systemic lines, radiotherapy, surgery) share these views; the URL names the
one a page is for (`therapy`, history.urls).
"""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render, resolve_url
from django.utils import timezone
from django.views.decorators.http import require_POST

from history import selectors, services
from history.forms import RadiotherapyForm, SurgeryForm, SystemicLineForm
from history.models import PriorRadiotherapy, PriorSurgery, SystemicTherapyLine
from review import crf_pages
from trial.access import can, get_subject_for_user
from trial.capabilities import Capability
from trial.forms import add_service_errors


@dataclass(frozen=True)
class _Therapy:
    model: type
    form: type
    record: object  # the services
    update: object
    void: object
    title: str  # "Systemic line"
    url: str  # the prefix of its URL names: "<url>_new", "<url>_detail", "<url>_void"


THERAPIES = {
    "systemic": _Therapy(
        SystemicTherapyLine,
        SystemicLineForm,
        services.systemic_line_record,
        services.systemic_line_update,
        services.systemic_line_void,
        "Systemic therapy line",
        "systemic_line",
    ),
    "radiotherapy": _Therapy(
        PriorRadiotherapy,
        RadiotherapyForm,
        services.radiotherapy_record,
        services.radiotherapy_update,
        services.radiotherapy_void,
        "Radiotherapy",
        "prior_radiotherapy",
    ),
    "surgery": _Therapy(
        PriorSurgery,
        SurgeryForm,
        services.surgery_record,
        services.surgery_update,
        services.surgery_void,
        "Surgery",
        "prior_surgery",
    ),
}


_DETAIL = "history/prior_therapy_detail.html"


def _now():
    return timezone.now()


def _get_record_for_user(request, therapy: _Therapy, pk):
    """A record at one of the user's sites (for the roles that read histories), else 404."""
    try:
        return selectors.prior_therapy_for(request.user, therapy.model).get(pk=pk)
    except (therapy.model.DoesNotExist, ValueError):
        raise Http404("No such prior therapy record") from None


def _shown(record, fields) -> list[tuple[str, object]]:
    """(label, value) of a record's entered fields, choices by their label."""
    rows = []
    for name in fields:
        field = record._meta.get_field(name)
        value = getattr(record, f"get_{name}_display")() if field.choices else getattr(record, name)
        rows.append(
            (str(field.verbose_name).capitalize(), value if value not in ("", None) else "—")
        )
    return rows


@login_required
def prior_therapy_list(request, pk):
    subject = get_subject_for_user(request.user, pk, Capability.READ_BACKGROUND)
    return render(
        request,
        "history/prior_therapy_list.html",
        {
            "subject": subject,
            "lines": SystemicTherapyLine.objects.filter(subject=subject).order_by(
                "line_number", "sequence"
            ),
            "radiotherapies": PriorRadiotherapy.objects.filter(subject=subject),
            "surgeries": PriorSurgery.objects.filter(subject=subject),
            "can_edit": can(request.user, Capability.ENTER_DATA, subject),
        },
    )


@login_required
def prior_therapy_new(request, pk, therapy):
    therapy = THERAPIES[therapy]
    subject = get_subject_for_user(request.user, pk, Capability.ENTER_DATA)
    form = therapy.form(request.POST or None, editing=False)
    if request.method == "POST" and form.is_valid():
        try:
            record = therapy.record(
                subject=subject, by=request.user, values=form.values(), now=_now()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{record.title} recorded.")
            return redirect("prior_therapy_list", pk=subject.pk)
    return render(
        request,
        "history/prior_therapy_form.html",
        {"subject": subject, "form": form, "title": therapy.title},
        status=400 if form.is_bound else 200,
    )


def _therapy_page(therapy: _Therapy, record) -> dict:
    """What a record's page adds for its therapy: the template is shared by the three."""
    return {
        "label": record._meta.label_lower,
        "title": therapy.title,
        "void_url": f"{therapy.url}_void",
        "shown": _shown(record, therapy.form.Meta.fields),
    }


@login_required
def prior_therapy_detail(request, pk, therapy):
    therapy = THERAPIES[therapy]
    record = _get_record_for_user(request, therapy, pk)
    return crf_pages.record_page(
        request,
        record,
        template=_DETAIL,
        form_factory=lambda data: therapy.form(data, instance=record, editing=True),
        update=therapy.update,
        now=_now(),
        done=f"{therapy.url}_detail",
        extra=lambda record: _therapy_page(therapy, record),
    )


@login_required
@require_POST
def prior_therapy_void(request, pk, therapy):
    therapy = THERAPIES[therapy]
    record = _get_record_for_user(request, therapy, pk)
    return crf_pages.void_page(
        request,
        record,
        therapy.void,
        template=_DETAIL,
        now=_now(),
        after=resolve_url("prior_therapy_list", pk=record.subject_id),
        extra=lambda record: _therapy_page(therapy, record),
    )
