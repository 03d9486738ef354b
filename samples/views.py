"""Sample pages: a visit's planned and collected samples (with a new one), one sample (read,
correct, record its handling, void)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
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
    review, form, done = crf_pages.correction(
        request,
        record,
        lambda data: SampleForm(data, instance=record, editing=True, scheduled=scheduled),
        services.sample_update,
        now=_now(),
        done="sample_detail",
    )
    return done or _render_detail(request, record, form=form, review=review)


def _render_detail(request, record, *, form, review, void_form=None, stage_form=None):
    return crf_pages.render_detail(
        request,
        record,
        "samples/sample_detail.html",
        form=form,
        review=review,
        void_form=void_form,
        refused=stage_form is not None,
        stage_form=stage_form or StageForm(initial={"version": record.version}),
    )


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
    return _render_detail(request, record, form=None, review=review, stage_form=form)


@login_required
@require_POST
def sample_void(request, pk):
    record = _get_sample_for_user(request, pk)
    form, voided = crf_pages.void(request, record, services.sample_void, now=_now())
    if voided:
        return redirect("visit_samples", pk=record.visit_id)
    review = review_selectors.record_panel(record, request.user)
    return _render_detail(request, record, form=None, review=review, void_form=form)
