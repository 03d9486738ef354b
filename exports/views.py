"""The export page (administrators and data managers), run progress and downloads."""

from pathlib import PurePath

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST
from knox.models import AuthToken

from exports import services, tokens
from exports.forms import ExportForm
from exports.models import ExportChannel, ExportStatus
from exports.selectors import exportable_sites, get_run_for_user, may_export, runs_for
from trial.forms import add_service_errors
from trial.paging import page_of


def _require_exporter(request) -> None:
    if not may_export(request.user):
        raise PermissionDenied("Only administrators and data managers export data.")


def _file_response(request, run) -> FileResponse:
    """Streamed from the exports storage in blocks, whichever node wrote the file."""
    handle = services.export_download(run=run, by=request.user)
    response = FileResponse(handle, as_attachment=True, filename=PurePath(run.file_path).name)
    if run.file_size is not None:
        response["Content-Length"] = str(run.file_size)
    if run.sha256:
        response["X-Checksum-SHA256"] = run.sha256
    return response


@login_required
def export_page(request):
    """Choose a format and filters; a small export comes straight back as a download."""
    _require_exporter(request)
    form = ExportForm(request.POST or None, sites=exportable_sites(request.user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            run = services.export_request(
                by=request.user,
                format=data["format"],
                sites=data["sites"],
                statuses=data["statuses"],
                date_from=data["date_from"],
                date_to=data["date_to"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if run.channel == ExportChannel.TASK:
                messages.info(request, f"Export {run.pk} is running in the background.")
                return redirect("export_run", pk=run.pk)
            run = services.export_run(run_id=run.pk)
            if run.status == ExportStatus.DONE:
                return _file_response(request, run)
            messages.error(request, f"Export {run.pk} failed: {run.error}")
            return redirect("export_run", pk=run.pk)
    return render(
        request,
        "exports/export_page.html",
        {"form": form, "runs": page_of(request, runs_for(request.user), per_page=25)},
    )


@login_required
@require_GET
def export_run_detail(request, pk):
    _require_exporter(request)
    run = get_run_for_user(request.user, pk)
    return render(request, "exports/run_detail.html", {"run": run})


@login_required
@require_GET
def export_run_status(request, pk):
    """The htmx fragment polled while the run is pending or running."""
    _require_exporter(request)
    run = get_run_for_user(request.user, pk)
    return render(request, "exports/_run_status.html", {"run": run})


@login_required
@require_GET
def export_download(request, pk):
    _require_exporter(request)
    run = get_run_for_user(request.user, pk)
    try:
        return _file_response(request, run)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("export_run", pk=run.pk)


# --- API tokens: the owner's page ----------------------------------------------------------


@login_required
def api_tokens(request):
    """List the user's tokens; a POST creates one and shows it this once (never stored)."""
    created = None
    if request.method == "POST":
        token, secret = tokens.api_token_create(user=request.user)
        created = {"token": token, "secret": secret}
    return render(
        request,
        "exports/api_tokens.html",
        {
            "tokens": tokens.tokens_of(request.user),
            "created": created,
            "ttl_days": settings.API_TOKEN_TTL_DAYS,
        },
    )


@login_required
@require_POST
def api_token_revoke(request):
    token = AuthToken.objects.filter(
        user=request.user, digest=request.POST.get("token", "")
    ).first()
    if token is None:
        messages.error(request, "No such token of yours: it may have expired or been revoked.")
    else:
        tokens.api_token_revoke(token=token, by=request.user)
        messages.success(request, f"Token {token.token_key[:8]}… revoked.")
    return redirect("api_tokens")
