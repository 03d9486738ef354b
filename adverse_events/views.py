from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import F
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from adverse_events import rules, selectors, services
from adverse_events.forms import (
    AdverseEventForm,
    AeFilterForm,
    CausalityForm,
    DltDecisionForm,
    SignForm,
    TermField,
    VoidForm,
    term_label,
)
from adverse_events.models import AdverseEvent, CtcaeTerm
from review import selectors as review_selectors
from review.field_notes import annotate_fields, field_notes
from review.forms import make_read_only
from trial import hooks
from trial.access import can, get_subject_for_user
from trial.capabilities import Capability
from trial.forms import add_service_errors
from trial.paging import page_of, query_string_without
from trial.spreadsheet import csv_writer


def _now():
    return timezone.now()


def _get_ae_for_user(request, pk) -> AdverseEvent:
    """An AE the user may read: the AE log for site roles, SAEs for sponsor safety; else 404."""
    readable = selectors.adverse_events_for(request.user) | selectors.saes_for(request.user)
    try:
        return readable.select_related("subject__study", "subject__dose_level").get(pk=pk)
    except AdverseEvent.DoesNotExist:
        raise Http404("No such adverse event") from None


def _terms():
    return CtcaeTerm.objects.only("term", "soc", "meddra_code").order_by("term")


@login_required
def ae_new(request, pk):
    subject = get_subject_for_user(request.user, pk, Capability.ENTER_DATA)
    form = AdverseEventForm(request.POST or None, editing=False)
    if request.method == "POST" and form.is_valid():
        try:
            ae = services.ae_record(
                subject=subject, by=request.user, values=form.values(), now=_now()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if ae.serious:
                messages.warning(
                    request,
                    f"SAE: the report to the sponsor is due by "
                    f"{timezone.localtime(ae.sae_report_due_at):%Y-%m-%d %H:%M}.",
                )
            messages.success(request, f"AE{ae.sequence} recorded.")
            return redirect("ae_detail", pk=ae.pk)
    return render(
        request,
        "adverse_events/ae_form.html",
        {
            "subject": subject,
            "form": form,
            "terms": _terms(),
            "ae": None,
            "selected_term": _selected_term(form),
            "chosen_grade": str(form["grade"].value() or ""),
            "baseline_note": _baseline_note(subject, _selected_term(form), form["grade"].value()),
        },
        status=400 if form.is_bound else 200,
    )


def _baseline_note(subject, term, grade, period=None) -> str | None:
    """What the medical history's baseline grade says of this AE (history app)."""
    if term is None:
        return None
    try:
        grade = int(grade) if grade not in (None, "") else None
    except (TypeError, ValueError):
        grade = None
    return rules.baseline_comparison(
        grade,
        rules.Period(period) if period else None,
        hooks.call("baselines_of_term", subject=subject, term_id=term.pk),
    )


def _selected_term(form):
    value = form["term"].value()
    if isinstance(value, CtcaeTerm):
        return value
    try:
        return TermField().to_python(value) if value else None
    except ValidationError:
        return None


@login_required
def ae_detail(request, pk):
    ae = _get_ae_for_user(request, pk)
    can_edit = can(request.user, Capability.ENTER_DATA, ae.subject)
    review = review_selectors.record_panel(ae, request.user)
    form = None
    if can_edit and not ae.voided_at:
        form = AdverseEventForm(request.POST or None, instance=ae, editing=True)
        annotate_fields(form, field_notes(ae))
        if review.locked:
            make_read_only(form)
        if request.method == "POST" and form.is_valid():
            try:
                services.ae_update(
                    ae=ae,
                    by=request.user,
                    values=form.values(),
                    reason=form.cleaned_data.get("reason") or "",
                    expected_version=form.cleaned_data.get("version") or 0,
                    now=_now(),
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, f"AE{ae.sequence} updated.")
                return redirect("ae_detail", pk=ae.pk)
    return _render_detail(
        request, ae, form=form, review=review, status=400 if form and form.is_bound else 200
    )


def _render_detail(request, ae, *, form=None, review=None, status=200, **bound):
    """The AE page; `bound` replaces one of its side forms by the one just posted with its
    errors, so that what was typed stays on the page."""
    if review is None:
        review = review_selectors.record_panel(ae, request.user)
    can_edit = can(request.user, Capability.ENTER_DATA, ae.subject)
    if form is None and can_edit and not ae.voided_at:
        form = AdverseEventForm(None, instance=ae, editing=True)
        if review.locked:
            make_read_only(form)
    clock = None
    if ae.serious and ae.aware_at:
        clock = rules.sae_clock_status(ae.aware_at, now=_now(), reported_at=ae.sae_reported_at)
    forms = {
        "causality_form": CausalityForm(
            initial={"relationship": ae.relationship, "expectedness": ae.expectedness}
        ),
        "dlt_form": DltDecisionForm(
            initial={"is_dlt": None if ae.dlt is None else ("yes" if ae.dlt else "no")}
        ),
        "sign_form": SignForm(),
        "void_form": VoidForm(),
    } | bound
    return render(
        request,
        "adverse_events/ae_detail.html",
        {
            "ae": ae,
            "subject": ae.subject,
            "form": form,
            "terms": _terms() if form else [],
            "selected_term": _selected_term(form)
            if form is not None and form.is_bound
            else ae.term,
            "chosen_grade": str(form["grade"].value() or "") if form is not None else "",
            "baseline_note": _baseline_note(
                ae.subject,
                _selected_term(form) if form is not None and form.is_bound else ae.term,
                form["grade"].value() if form is not None and form.is_bound else ae.grade,
                ae.period,
            ),
            "clock": clock,
            "can_edit": can_edit,
            "can_assess": can(request.user, Capability.ASSESS_AE, ae.subject),
            "can_sign": can(request.user, Capability.SIGN, ae.subject),
            "review": review,
            "locked": review.locked,
            "medications": hooks.call("ae_medications", ae=ae, user=request.user),
            **forms,
        },
        status=status,
    )


def _action(request, pk, form_class, run, done, *, context_name):
    """A side form of the AE page (causality, DLT decision, signature, void): on success
    back to the page; on an error the page again with the posted form and its errors."""
    ae = _get_ae_for_user(request, pk)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            run(ae, form.cleaned_data)
        except ValidationError as error:
            # The service's refusal is the page's message; the form keeps what was typed.
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, done)
            return redirect("ae_detail", pk=ae.pk)
    ae.refresh_from_db()
    return _render_detail(request, ae, status=400, **{context_name: form})


@login_required
@require_POST
def ae_causality(request, pk):
    return _action(
        request,
        pk,
        CausalityForm,
        lambda ae, d: services.ae_assess_causality(
            ae=ae,
            by=request.user,
            relationship=d["relationship"],
            expectedness=d["expectedness"],
            now=_now(),
        ),
        "Causality recorded.",
        context_name="causality_form",
    )


@login_required
@require_POST
def ae_dlt(request, pk):
    return _action(
        request,
        pk,
        DltDecisionForm,
        lambda ae, d: services.ae_decide_dlt(
            ae=ae, by=request.user, is_dlt=d["is_dlt"], now=_now()
        ),
        "DLT decision recorded.",
        context_name="dlt_form",
    )


@login_required
@require_POST
def ae_sign(request, pk):
    return _action(
        request,
        pk,
        SignForm,
        lambda ae, d: services.sae_report_sign(
            ae=ae, by=request.user, password=d["password"], now=_now(), request=request
        ),
        "SAE report signed.",
        context_name="sign_form",
    )


@login_required
@require_POST
def ae_void(request, pk):
    return _action(
        request,
        pk,
        VoidForm,
        lambda ae, d: services.ae_void(ae=ae, by=request.user, reason=d["reason"], now=_now()),
        "Adverse event voided.",
        context_name="void_form",
    )


# Latest onset first; on one day, by subject (in the order they were registered) and AE
# number: the order of the index ae_live_by_onset, so that a page does not sort every AE.
LIST_ORDER = ("-onset_date", "subject_id", "sequence")


@login_required
def ae_list(request):
    filters = AeFilterForm(request.GET or None)
    data = filters.cleaned_data if filters.is_valid() else {}
    events = selectors.filtered(
        selectors.adverse_events_for(request.user).filter(voided_at__isnull=True), data
    )
    if request.GET.get("format") == "csv":
        response = HttpResponse(content_type="text/csv")
        response["Content-Disposition"] = 'attachment; filename="adverse-events.csv"'
        writer = csv_writer(response)
        writer.writerow(
            [
                "site",
                "subject",
                "aeseq",
                "term",
                "soc",
                "grade",
                "worst_grade",
                "serious",
                "relationship",
                "onset",
                "end",
                "outcome",
            ]
        )
        sites, count = set(), 0
        for ae in events.order_by("subject__site__code", "subject__subject_number", "sequence"):
            sites.add(ae.subject.site.code)
            count += 1
            writer.writerow(
                [
                    ae.subject.site.code,
                    ae.subject,
                    ae.sequence,
                    ae.display_term,
                    ae.recorded_soc,
                    ae.grade,
                    ae.worst_grade,
                    "Y" if ae.serious else "N",
                    ae.relationship,
                    ae.onset_date,
                    ae.end_date or "",
                    ae.outcome,
                ]
            )
        hooks.call(
            "download_record",
            by=request.user,
            what="ae_list",  # exports.models.BulkDownload
            filters=data,
            rows=count,
            site_codes=sites,
        )
        return response
    return render(
        request,
        "adverse_events/ae_list.html",
        {
            "filters": filters,
            "events": page_of(request, events.order_by(*LIST_ORDER)),
            "worst": page_of(
                request, selectors.worst_grade_by_subject_and_term(events), param="wpage"
            ),
            "query_string": query_string_without(request.GET, "page", "wpage"),
        },
    )


@login_required
def sae_list(request):
    now = _now()
    saes = (
        selectors.saes_for(request.user)
        .filter(voided_at__isnull=True)
        # Most urgent first: unsigned reports by deadline (so the overdue lead), then the
        # signed ones, latest first. PostgreSQL sorts NULL last in ascending order.
        .order_by(F("sae_reported_at").desc(nulls_first=True), "sae_report_due_at", "pk")
    )
    page = page_of(request, saes)
    rows = [
        (ae, rules.sae_clock_status(ae.aware_at, now=now, reported_at=ae.sae_reported_at))
        for ae in page
    ]
    return render(request, "adverse_events/sae_list.html", {"rows": rows, "page": page})


@login_required
@require_GET
def ctcae_grades(request):
    """The grade texts of the chosen term (htmx), so the grade is picked from its CTCAE text."""
    value = request.GET.get("term", "")
    try:
        term = TermField().to_python(value)
    except ValidationError:
        term = None
    return render(
        request,
        "adverse_events/_grade_texts.html",
        {"selected_term": term, "chosen_grade": request.GET.get("grade", "")},
    )


@login_required
@require_GET
def ctcae_search(request):
    """Terms matching ?q= (JSON-free: an HTML list for htmx or a screen reader)."""
    q = request.GET.get("q", "").strip()
    terms = CtcaeTerm.objects.filter(term__icontains=q)[:20] if len(q) >= 2 else []
    return render(
        request, "adverse_events/_term_options.html", {"terms": [(t, term_label(t)) for t in terms]}
    )
