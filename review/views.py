from dataclasses import replace

from django.apps import apps
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from review import selectors, services
from review.form_status import LEGEND, OPEN_QUERY_LABEL, OPEN_QUERY_SYMBOL
from review.forms import (
    AuditFilterForm,
    FieldForm,
    MatrixFilterForm,
    QueryFilterForm,
    QueryRaiseForm,
    ReasonForm,
    SignForm,
    TextForm,
)
from review.matrix import subject_matrix as build_matrix
from review.models import Query
from review.records import KINDS, field_label, record_title, record_url
from trial import hooks
from trial.access import can, get_subject_for_user, sites_for, subjects_for
from trial.audit import history_scope, readable_entries
from trial.capabilities import Capability
from trial.paging import page_of, query_string_without
from trial.spreadsheet import csv_writer
from trial.study import current_study


def _now():
    return timezone.now()


def _get_record_for_user(request, model_label, pk):
    """A reviewed record of the user's sites, else 404."""
    scope = history_scope(model_label) if model_label in KINDS else None
    if scope is None:
        raise Http404("No such kind of record")
    try:
        return scope(request.user).get(pk=pk)
    except (apps.get_model(model_label).DoesNotExist, ValueError):
        raise Http404("No such record") from None


def _get_query_for_user(request, pk) -> Query:
    try:
        return selectors.queries_for(request.user).get(pk=pk)
    except Query.DoesNotExist:
        raise Http404("No such query") from None


def _run(request, action, done: str) -> bool:
    """Call a service; its refusals become messages (PermissionDenied stays a 403)."""
    try:
        action()
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return False
    messages.success(request, done)
    return True


def _form(form_class, request):
    form = form_class(request.POST)
    form.is_valid()
    return form.cleaned_data


# --- records: sign, lock, unlock, verify, raise a query -------------------------------------


@login_required
@require_POST
def record_sign(request, model_label, pk):
    record = _get_record_for_user(request, model_label, pk)
    data = _form(SignForm, request)
    _run(
        request,
        lambda: services.record_sign(
            record=record,
            user=request.user,
            meaning=KINDS[model_label].sign_meaning or "",
            password=data.get("password", ""),
            now=_now(),
            request=request,
        ),
        f"{record_title(record)} signed.",
    )
    return redirect(record_url(record))


@login_required
@require_POST
def record_lock(request, model_label, pk):
    record = _get_record_for_user(request, model_label, pk)
    _run(
        request,
        lambda: services.record_lock(record=record, by=request.user, now=_now()),
        f"{record_title(record)} locked.",
    )
    return redirect(record_url(record))


@login_required
@require_POST
def record_unlock(request, model_label, pk):
    record = _get_record_for_user(request, model_label, pk)
    data = _form(ReasonForm, request)
    _run(
        request,
        lambda: services.record_unlock(
            record=record, by=request.user, reason=data.get("reason", ""), now=_now()
        ),
        f"{record_title(record)} unlocked.",
    )
    return redirect(record_url(record))


@login_required
@require_POST
def record_verify(request, model_label, pk):
    record = _get_record_for_user(request, model_label, pk)
    data = _form(FieldForm, request)
    field_name = data.get("field_name", "")
    field = field_label(record, field_name)
    _run(
        request,
        lambda: services.record_verify(
            record=record, by=request.user, field_name=field_name, now=_now()
        ),
        f"{record_title(record)}{f' · {field}' if field else ''} source-verified.",
    )
    return redirect(record_url(record))


@login_required
@require_POST
def query_raise(request, model_label, pk):
    record = _get_record_for_user(request, model_label, pk)
    data = _form(QueryRaiseForm, request)
    _run(
        request,
        lambda: services.query_raise(
            record=record,
            by=request.user,
            text=data.get("text", ""),
            field_name=data.get("field_name", ""),
            now=_now(),
        ),
        f"Query raised on {record_title(record)}.",
    )
    return redirect(record_url(record))


# --- subjects: lock and audit trail -----------------------------------------------------------


@login_required
@require_POST
def subject_lock(request, pk):
    subject = get_subject_for_user(request.user, pk)
    _run(
        request,
        lambda: services.subject_lock(subject=subject, by=request.user, now=_now()),
        f"Subject {subject} locked.",
    )
    return redirect("subject_detail", pk=subject.pk)


@login_required
@require_POST
def subject_unlock(request, pk):
    subject = get_subject_for_user(request.user, pk)
    data = _form(ReasonForm, request)
    _run(
        request,
        lambda: services.record_unlock(
            record=subject, by=request.user, reason=data.get("reason", ""), now=_now()
        ),
        f"Subject {subject} unlocked.",
    )
    return redirect("subject_detail", pk=subject.pk)


AUDIT_PAGE_SIZE = 100


@login_required
def subject_audit(request, pk):
    """Everything that happened to the subject's records, filtered by record and dates, as a
    page or a print view (?view=print)."""
    subject = get_subject_for_user(request.user, pk, Capability.READ_AUDIT_TRAIL)
    rows = selectors.subject_history(subject)
    records = sorted(
        {(_record_key(row), f"{row.kind}: {row.title}") for row in rows}, key=lambda r: r[1]
    )
    filters = AuditFilterForm(request.GET or None, records=records)
    if filters.is_valid():
        wanted = filters.cleaned_data
        rows = [
            row
            for row in rows
            if (not wanted["record"] or _record_key(row) == wanted["record"])
            and (not wanted["since"] or timezone.localdate(row.entry.at) >= wanted["since"])
            and (not wanted["until"] or timezone.localdate(row.entry.at) <= wanted["until"])
        ]
    printing = request.GET.get("view") == "print"
    # On screen one page of the trail (the diffs are worked out for it only); printed whole.
    page = None if printing else page_of(request, rows, per_page=AUDIT_PAGE_SIZE)
    shown = rows if printing else list(page)
    readable = readable_entries([row.entry for row in shown])
    rows = [replace(row, entry=entry) for row, entry in zip(shown, readable, strict=True)]
    return render(
        request,
        "review/subject_audit_print.html" if printing else "review/subject_audit.html",
        {
            "subject": subject,
            "rows": rows,
            "page": page,
            "query_string": query_string_without(request.GET, "page"),
            "filters": filters,
            "time_zone": timezone.get_current_timezone_name(),
            "printed_at": timezone.localtime(),
            "print_query": _with(request.GET, view="print"),
        },
    )


def _record_key(row) -> str:
    return f"{row.entry.model}:{row.entry.object_id}"


def _with(params, **changes) -> str:
    kept = params.copy()
    for name, value in changes.items():
        kept[name] = value
    return kept.urlencode()


# --- the subject matrix ------------------------------------------------------------------------

# A subject's row holds a symbol for each form of each visit, each with its accessible name
# (about 230 bytes): 50 rows a page were 478 KiB at the large seed, 20 are under 200 KiB.
MATRIX_PAGE_SIZE = 20


@login_required
def subject_matrix(request):
    """Subjects × visits of the user's sites, each cell the visit's forms and their status."""
    study = current_study()
    filters = MatrixFilterForm(
        request.GET or None,
        sites=sites_for(request.user),
        dose_levels=study.dose_levels.all(),
    )
    data = filters.cleaned_data if filters.is_valid() else {}
    subjects = subjects_for(request.user).active().select_related("site", "dose_level")
    if data.get("site"):
        subjects = subjects.filter(site=data["site"])
    if data.get("status"):
        subjects = subjects.filter(status=data["status"])
    if data.get("dose_level"):
        subjects = subjects.filter(dose_level=data["dose_level"])
    if data.get("q"):
        subjects = subjects.filter(
            Q(screening_number__icontains=data["q"]) | Q(subject_number__icontains=data["q"])
        )
    page = Paginator(subjects.order_by("site__code", "screening_number"), MATRIX_PAGE_SIZE)
    page = page.get_page(request.GET.get("page"))
    query_string = request.GET.copy()
    query_string.pop("page", None)
    return render(
        request,
        "review/subject_matrix.html",
        {
            "filters": filters,
            "page": page,
            "matrix": build_matrix(list(page), study=study),
            "legend": LEGEND,
            "open_query": (OPEN_QUERY_SYMBOL, OPEN_QUERY_LABEL),
            "query_string": query_string.urlencode(),
            "param": "page",
        },
    )


# --- the investigator's queue ---------------------------------------------------------------


@login_required
def review_queue(request):
    if not can(request.user, Capability.SIGN):
        raise PermissionDenied("The review queue is an investigator's.")
    page = page_of(request, selectors.review_queue_of(request.user))
    return render(
        request,
        "review/queue.html",
        {
            "items": list(page),
            "page": page,
            "query_string": query_string_without(request.GET, "page"),
        },
    )


# --- queries ----------------------------------------------------------------------------------

CSV_COLUMNS = [
    "site",
    "subject",
    "record",
    "field",
    "status",
    "origin",
    "check_code",
    "text",
    "raised_by",
    "raised_at",
    "closed_by",
    "closed_at",
]


@login_required
def query_list(request):
    sites = sites_for(request.user, Capability.READ_QUERIES)
    filters = QueryFilterForm(request.GET or None, sites=sites)
    data = filters.cleaned_data if filters.is_valid() else {}
    queries = selectors.filtered_queries(selectors.queries_for(request.user), data)
    queries = queries.order_by("raised_at", "id")
    if request.GET.get("format") == "csv":
        rows = selectors.with_records(list(queries[:1000]))
        hooks.call(
            "download_record",
            by=request.user,
            what="query_list",  # exports.models.BulkDownload
            filters=data,
            rows=len(rows),
            site_codes={q.subject.site.code for q in rows},
        )
        return _queries_csv(rows)
    page = page_of(request, queries)
    return render(
        request,
        "review/query_list.html",
        {
            "filters": filters,
            "page": page,
            "queries": selectors.with_records(list(page)),
            "query_string": query_string_without(request.GET, "page"),
        },
    )


def _queries_csv(queries) -> HttpResponse:
    response = HttpResponse(content_type="text/csv")
    response["Content-Disposition"] = 'attachment; filename="queries.csv"'
    writer = csv_writer(response)
    writer.writerow(CSV_COLUMNS)
    for q in queries:
        writer.writerow(
            [
                q.subject.site.code,
                q.subject,
                record_title(q.record) if q.record else "",
                q.field_name,
                q.status,
                q.origin,
                q.check_code,
                q.text,
                q.raised_by.get_username() if q.raised_by else "system",
                q.raised_at.isoformat(),
                q.closed_by.get_username() if q.closed_by else ("system" if q.closed_at else ""),
                q.closed_at.isoformat() if q.closed_at else "",
            ]
        )
    return response


@login_required
def query_detail(request, pk):
    query = _get_query_for_user(request, pk)
    selectors.with_records([query])
    record = query.record
    return render(
        request,
        "review/query_detail.html",
        {
            "query": query,
            "thread": query.messages.select_related("author"),
            "record_title": record_title(record) if record else "(record removed)",
            "record_url": record_url(record) if record else "",
            "field": field_label(record or query.content_type.model_class(), query.field_name),
            "actions": selectors.query_actions(query, request.user),
        },
    )


def _query_action(request, pk, service, done):
    query = _get_query_for_user(request, pk)
    data = _form(TextForm, request)
    _run(
        request,
        lambda: service(query=query, by=request.user, text=data.get("text", ""), now=_now()),
        done,
    )
    return redirect("query_detail", pk=query.pk)


@login_required
@require_POST
def query_answer(request, pk):
    return _query_action(request, pk, services.query_answer, "Query answered.")


@login_required
@require_POST
def query_close(request, pk):
    return _query_action(request, pk, services.query_close, "Query closed.")


@login_required
@require_POST
def query_reopen(request, pk):
    return _query_action(request, pk, services.query_reopen, "Query re-opened.")
