"""Sample pages: a visit's planned and collected samples (with a new one), one sample (read,
correct, record its handling, void)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render, resolve_url
from django.utils import timezone
from django.views.decorators.http import require_POST

from review import crf_pages
from review import selectors as review_selectors
from samples import selectors, services
from samples.forms import SampleForm, StageForm
from samples.models import Sample
from trial.access import can, get_visit_for_user
from trial.capabilities import Capability
from trial.forms import add_service_errors

_DETAIL = "samples/sample_detail.html"


def _now():
    return timezone.now()


def _get_sample_for_user(request, pk) -> Sample:
    try:
        return selectors.samples_for(request.user).get(pk=pk)
    except (Sample.DoesNotExist, ValueError):
        raise Http404("No such sample") from None


@login_required
def visit_samples(request, pk):
    visit = get_visit_for_user(request.user, pk)
    subject = visit.subject
    scheduled = services.scheduled_at(visit)
    can_edit = can(request.user, Capability.ENTER_DATA, subject)
    if request.method == "POST" and not can_edit:
        raise PermissionDenied("You may not enter samples for this subject.")
    form = None
    if can_edit:
        data = request.POST if request.method == "POST" else None
        form = SampleForm(data, editing=False, scheduled=scheduled)
    if form is not None and form.is_bound and form.is_valid():
        try:
            record = services.sample_record(
                visit=visit, by=request.user, values=form.values(), now=_now()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{record.title} recorded.")
            return redirect("visit_samples", pk=visit.pk)
    recorded = {
        (s.sample_type, s.nominal_time): s for s in visit.samples.filter(voided_at__isnull=True)
    }
    rows = [(s, recorded.pop((s.type_code, s.time_code), None)) for s in scheduled]
    return render(
        request,
        "samples/visit_samples.html",
        {
            "visit": visit,
            "subject": subject,
            "rows": rows,
            "voided": visit.samples.filter(voided_at__isnull=False),
            "form": form,
        },
        status=400 if form is not None and form.is_bound else 200,
    )


@login_required
def sample_detail(request, pk):
    record = _get_sample_for_user(request, pk)
    scheduled = services.scheduled_at(record.visit)
    return crf_pages.record_page(
        request,
        record,
        template=_DETAIL,
        form_factory=lambda data: SampleForm(
            data, instance=record, editing=True, scheduled=scheduled
        ),
        update=services.sample_update,
        now=_now(),
        done="sample_detail",
        extra=_blank_stage_form,
    )


def _blank_stage_form(record) -> dict:
    """The page's handling form, carrying the version shown."""
    return {"stage_form": StageForm(initial={"version": record.version})}


@login_required
@require_POST
def sample_stage(request, pk):
    record = _get_sample_for_user(request, pk)
    if not can(request.user, Capability.ENTER_DATA, record.subject):
        raise PermissionDenied("Only the site's staff record a sample's handling.")
    form = StageForm(request.POST)
    if form.is_valid():
        try:
            services.sample_stage_record(
                record=record,
                by=request.user,
                stage=form.cleaned_data["stage"],
                at=form.cleaned_data["at"],
                reference=form.cleaned_data["reference"],
                expected_version=form.cleaned_data["version"],
                now=_now(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{record.title}: {form.cleaned_data['stage']}.")
            return redirect("sample_detail", pk=record.pk)
    review = review_selectors.record_panel(record, request.user)
    return crf_pages.render_detail(
        request, record, _DETAIL, form=None, review=review, refused=True, stage_form=form
    )


@login_required
@require_POST
def sample_void(request, pk):
    record = _get_sample_for_user(request, pk)
    return crf_pages.void_page(
        request,
        record,
        services.sample_void,
        template=_DETAIL,
        now=_now(),
        after=resolve_url("visit_samples", pk=record.visit_id),
        extra=_blank_stage_form,
    )
