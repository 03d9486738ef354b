"""Prior cancer therapy pages: a subject's list, a new record, one record (read, edit, void).

The three CRFs (systemic lines, radiotherapy, surgery) share these views; the URL names the
one a page is for (`therapy`, history.urls).
"""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from history import selectors, services
from history.forms import RadiotherapyForm, SurgeryForm, SystemicLineForm
from history.models import PriorRadiotherapy, PriorSurgery, SystemicTherapyLine
from review import crf_pages
from review import selectors as review_selectors
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


@login_required
def prior_therapy_detail(request, pk, therapy):
    name, therapy = therapy, THERAPIES[therapy]
    record = _get_record_for_user(request, therapy, pk)
    review, form, done = crf_pages.correction(
        request,
        record,
        lambda data: therapy.form(data, instance=record, editing=True),
        therapy.update,
        now=_now(),
        done=f"{therapy.url}_detail",
    )
    return done or _render_detail(request, name, record, form=form, review=review)


def _render_detail(request, name, record, *, form, review, void_form=None):
    therapy = THERAPIES[name]
    bound = (form is not None and form.is_bound) or (void_form is not None)
    return render(
        request,
        "history/prior_therapy_detail.html",
        {
            "record": record,
            "subject": record.subject,
            "label": record._meta.label_lower,
            "title": therapy.title,
            "void_url": f"{therapy.url}_void",
            "shown": _shown(record, therapy.form.Meta.fields),
            "form": form,
            "review": review,
            "locked": review.locked,
            "can_edit": can(request.user, Capability.ENTER_DATA, record.subject),
            "void_form": void_form or crf_pages.blank_void_form(record),
        },
        status=400 if bound else 200,
    )


@login_required
@require_POST
def prior_therapy_void(request, pk, therapy):
    name, therapy = therapy, THERAPIES[therapy]
    record = _get_record_for_user(request, therapy, pk)
    form, voided = crf_pages.void(request, record, therapy.void, now=_now())
    if voided:
        return redirect("prior_therapy_list", pk=record.subject_id)
    review = review_selectors.record_panel(record, request.user)
    return _render_detail(request, name, record, form=None, review=review, void_form=form)
