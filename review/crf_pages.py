"""A stored CRF record's own page (its correction form, its void), the same on every CRF app."""

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render

from review import selectors as review_selectors
from review.field_notes import annotate_fields, field_notes
from review.forms import RecordVoidForm, make_read_only
from review.records import record_title
from trial.access import can
from trial.capabilities import Capability
from trial.forms import add_service_errors


def correction(request, record, form_factory: Callable, update: Callable, *, now, done: str):
    """(review panel, correction form or None, redirect or None) for `record`'s page.

    The form is offered to the site's data-entry staff while the record stands, read-only
    while it is locked; a valid post calls `update` (the CRF's keyword-only service) with the
    reason and the version the user edited, then redirects to the URL named `done`.
    """
    review = review_selectors.record_panel(record, request.user)
    if not can(request.user, Capability.ENTER_DATA, record.subject) or record.voided_at:
        return review, None, None
    form = form_factory(request.POST or None)
    annotate_fields(form, field_notes(record))
    if review.locked:
        make_read_only(form)
    if request.method == "POST" and form.is_valid():
        try:
            update(
                record=record,
                by=request.user,
                values=form.values(),
                reason=form.cleaned_data.get("reason") or "",
                expected_version=form.cleaned_data.get("version") or 0,
                now=now,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{record_title(record)} updated.")
            return review, form, redirect(done, pk=record.pk)
    return review, form, None


def blank_void_form(record) -> RecordVoidForm:
    """The void form of a record's page, carrying the version shown."""
    return RecordVoidForm(initial={"version": record.version})


def void(request, record, service: Callable, *, now) -> tuple[RecordVoidForm, bool]:
    """(the posted void form, whether `record` was voided) on its page's void POST.

    `service` is the CRF's keyword-only void (record, by, reason, expected_version, now); its
    refusals (locked, stale version, no reason) are shown as messages, the form kept."""
    form = RecordVoidForm(request.POST)
    if not form.is_valid():
        return form, False
    try:
        service(
            record=record,
            by=request.user,
            reason=form.cleaned_data["reason"],
            expected_version=form.cleaned_data["version"],
            now=now,
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return form, False
    messages.success(request, f"{record_title(record)} voided.")
    return form, True


def render_detail(
    request, record, template: str, *, form, review, void_form=None, refused=False, **extra
):
    """A stored record's page: the record, its review panel, its correction and void forms.

    Status 400 when the page comes back with a refused post (the correction form bound, the
    void form given, or the caller's own form, `refused`), so what was typed shows with its
    errors; `extra` is the page's own context (a medication's timing, a sample's stage form).
    """
    bound = (form is not None and form.is_bound) or void_form is not None or refused
    return render(
        request,
        template,
        {
            "record": record,
            "subject": record.subject,
            "form": form,
            "review": review,
            "locked": review.locked,
            "can_edit": can(request.user, Capability.ENTER_DATA, record.subject),
            "void_form": void_form or blank_void_form(record),
            **extra,
        },
        status=400 if bound else 200,
    )


def record_page(
    request,
    record,
    *,
    template: str,
    form_factory: Callable,
    update: Callable,
    now,
    done: str,
    extra: Callable[..., dict] | None = None,
) -> HttpResponse:
    """A stored record's page: shown, or its correction posted (`correction`), then redirected
    to the URL named `done` or shown again with the refused form (400).

    `extra(record)` is the page's own context (a medication's timing), called only when the
    page is rendered."""
    review, form, redirected = correction(request, record, form_factory, update, now=now, done=done)
    if redirected:
        return redirected
    return render_detail(
        request, record, template, form=form, review=review, **(extra(record) if extra else {})
    )


def void_page(
    request,
    record,
    service: Callable,
    *,
    template: str,
    now,
    after: str,
    extra: Callable[..., dict] | None = None,
) -> HttpResponse:
    """A record's void POST (`void`): redirected to the URL `after` once voided, else its page
    shown again with the refused void form (400), without the correction form; `extra` as
    for `record_page`."""
    form, voided = void(request, record, service, now=now)
    if voided:
        return redirect(after)
    review = review_selectors.record_panel(record, request.user)
    return render_detail(
        request,
        record,
        template,
        form=None,
        review=review,
        void_form=form,
        **(extra(record) if extra else {}),
    )
