"""Requesting, producing and downloading exports. The web page, the Celery task and the
management command all go through these functions.

An export is produced inside one REPEATABLE READ, READ ONLY transaction: every dataset of
the file sees the same committed state of the database, however long it takes, and rows are
streamed from server-side cursors. Progress is written through a second connection (in
autocommit) so the web page sees it while the snapshot transaction is still open.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from time import monotonic

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.models import F
from django.utils import timezone

from exports import audit_trail, odm, sdtm_export, tabular
from exports.crfs import crf_specs
from exports.models import (
    FILE_EXTENSIONS,
    BulkDownload,
    ExportChannel,
    ExportFormat,
    ExportRun,
    ExportStatus,
)
from exports.selectors import ExportScope, exportable_sites, may_export, subjects_in
from trial.audit import audit_context
from trial.models import Site, SubjectStatus, User
from trial.study import current_study

logger = logging.getLogger(__name__)

# Up to this many subjects the web page produces the file in the request and sends it
# back; above it a Celery task does the work and the page shows its progress.
STREAM_MAX_SUBJECTS = getattr(settings, "EXPORT_STREAM_MAX_SUBJECTS", 200)


def export_dir() -> Path:
    directory = Path(settings.VAR_DIR) / "exports"
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def export_request(
    *,
    by: User | None,
    format: str,
    sites: Iterable[str] = (),
    statuses: Iterable[str] = (),
    date_from: date | None = None,
    date_to: date | None = None,
    channel: str | None = None,
    now: datetime | None = None,
) -> ExportRun:
    """Record who asks for which export with which filters; nothing is produced yet.

    `by` None is an operator at the command line (every site). A user needs the admin or
    data manager role, and may only name sites where they hold it; no site named means all
    of theirs. `channel` None lets the size decide: a small export is produced in the
    request, a large one is queued for a worker (enqueued here, on commit).
    """
    if by is not None and not may_export(by):
        raise PermissionDenied("Only administrators and data managers export data.")
    if format not in ExportFormat.values:
        raise ValidationError({"format": f"Unknown export format {format!r}."})
    allowed = set(exportable_sites(by).values_list("code", flat=True))
    requested = set(sites) or allowed
    outside = requested - allowed
    if outside:
        raise PermissionDenied(f"You may not export site(s) {', '.join(sorted(outside))}.")
    if not requested:
        raise PermissionDenied("You hold no export role at any site.")
    statuses = tuple(sorted(set(statuses)))
    unknown = set(statuses) - set(SubjectStatus.values)
    if unknown:
        raise ValidationError({"statuses": f"Unknown subject status(es): {sorted(unknown)}."})
    if date_from and date_to and date_from > date_to:
        raise ValidationError({"date_to": f"The range ends ({date_to}) before it starts."})
    scope = ExportScope(tuple(sorted(requested)), statuses, date_from, date_to)
    if channel is None:
        large = subjects_in(scope).count() > STREAM_MAX_SUBJECTS
        channel = ExportChannel.TASK if large else ExportChannel.WEB
    reason = f"Export requested: {format}, {scope.describe()}"
    with transaction.atomic(), audit_context(by=by, reason=reason):
        run = ExportRun.objects.create(
            requested_by=by,
            requested_at=now or timezone.now(),
            channel=channel,
            format=format,
            filters=scope.as_filters(),
        )
        if channel == ExportChannel.TASK:
            from exports.tasks import run_export

            transaction.on_commit(lambda: run_export.delay(run.pk))
    return run


class _Progress:
    """Counts rows and writes the percentage now and then (at most about once a second)."""

    def __init__(self, write):
        self.total = 0
        self.done = 0
        self.percent = 0
        self._write = write
        self._written_at = monotonic()

    def __call__(self, rows: int) -> None:
        self.done += rows
        if not self.total:
            return
        percent = min(99, self.done * 100 // self.total)
        if percent > self.percent and (
            percent - self.percent >= 10 or monotonic() - self._written_at >= 1
        ):
            self.percent = percent
            self._written_at = monotonic()
            self._write(percent)


@contextmanager
def _snapshot() -> Iterator[bool]:
    """One REPEATABLE READ, READ ONLY transaction; yields whether it is ours.

    Inside a caller's transaction (tests, a caller that already holds a snapshot) the
    isolation level can no longer be set: the caller's transaction is the snapshot.
    """
    if connection.in_atomic_block:
        with transaction.atomic():
            yield False
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield True


@contextmanager
def _progress_writer(run_id: int, separate: bool):
    if not separate:
        yield lambda percent: ExportRun.objects.filter(pk=run_id).update(progress=percent)
        return
    # The snapshot transaction is read-only and its writes would be invisible until it
    # ends: progress goes through a connection of its own, in autocommit. The ORM cannot
    # address a connection outside settings.DATABASES, hence the one plain UPDATE.
    side = connections.create_connection(DEFAULT_DB_ALIAS)
    table = side.ops.quote_name(ExportRun._meta.db_table)
    try:

        def write(percent: int) -> None:
            with side.cursor() as cursor:
                cursor.execute(f"UPDATE {table} SET progress = %s WHERE id = %s", [percent, run_id])

        yield write
    finally:
        side.close()


def _snapshot_time() -> datetime:
    with connection.cursor() as cursor:
        cursor.execute("SELECT now()")
        return cursor.fetchone()[0]


def _produce(run: ExportRun, path: Path, progress: _Progress) -> dict:
    scope = ExportScope.from_filters(run.filters)
    subjects = subjects_in(scope)
    study = current_study()
    labs = study.lab_limits.order_by("order").values_list("code", "label")
    crfs = crf_specs(labs)
    as_of = _snapshot_time()
    manifest = {
        "export_id": run.pk,
        "format": run.format,
        "study": study.protocol_number,
        "filters": run.filters,
        "requested_by": run.requested_by.username if run.requested_by else "command line",
        "requested_at": run.requested_at.isoformat(),
        "snapshot_at": as_of.isoformat(),
    }
    if run.format in (ExportFormat.CSV, ExportFormat.XLSX):
        progress.total = sum(crf.count(subjects) for crf in crfs)
        write = tabular.write_csv_zip if run.format == ExportFormat.CSV else tabular.write_xlsx
        return write(path, crfs, subjects, manifest, progress)
    if run.format == ExportFormat.ODM:
        progress.total = odm.event_counts(subjects)
        return odm.write_odm(
            path,
            study=study,
            subjects=subjects,
            sites=Site.objects.filter(code__in=scope.site_codes).order_by("code"),
            crfs=crfs,
            file_oid=f"ECRF.{study.protocol_number}.EXPORT.{run.pk}",
            as_of=as_of,
            description=f"Export {run.pk}: {scope.describe()}",
            tick=progress,
        )
    if run.format == ExportFormat.SDTM:
        progress.total = sdtm_export.source_counts(subjects)
        return sdtm_export.write_sdtm_zip(
            path,
            study=study,
            subjects=subjects,
            manifest=manifest,
            created=timezone.localtime(as_of).replace(tzinfo=None),
            as_of=as_of,
            tick=progress,
        )
    # The audit trail: the date range selects changes, not subjects; the study-wide changes
    # (configuration, roles, exports) belong to an export of every site.
    audit_subjects = subjects_in(scope, dates=False, voided=True)
    every_site = set(scope.site_codes) >= set(Site.objects.values_list("code", flat=True))
    configuration = every_site and not scope.statuses
    progress.total = audit_trail.event_count(audit_subjects, configuration=configuration)
    return audit_trail.write_audit_csv(
        path,
        subjects=audit_subjects,
        configuration=configuration,
        date_from=scope.date_from,
        date_to=scope.date_to,
        tick=progress,
    )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def export_run(*, run_id: int) -> ExportRun:
    """Produce the file of a pending run; safe to call twice (the second call does nothing).

    The run is claimed with a conditional update, so two workers (or a retry) never produce
    the same export twice. Failures are recorded on the run, not raised.
    """
    run = ExportRun.objects.select_related("requested_by").get(pk=run_id)
    with transaction.atomic(), audit_context(by=run.requested_by, reason="Export started"):
        claimed = ExportRun.objects.filter(pk=run_id, status=ExportStatus.PENDING).update(
            status=ExportStatus.RUNNING, started_at=timezone.now(), progress=0
        )
    if not claimed:
        run.refresh_from_db()
        return run
    directory = export_dir()
    stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
    name = f"{run.pk:06d}-{run.format}-{stamp}.{FILE_EXTENSIONS[run.format]}"
    partial = directory / f".{name}.part"
    try:
        with _snapshot() as own_transaction, _progress_writer(run.pk, own_transaction) as write:
            counts = _produce(run, partial, _Progress(write))
        final = directory / name
        partial.rename(final)
        size, digest = final.stat().st_size, _sha256(final)
    except Exception as exc:
        partial.unlink(missing_ok=True)
        logger.exception("Export %s failed", run_id)
        with transaction.atomic(), audit_context(by=run.requested_by, reason="Export failed"):
            ExportRun.objects.filter(pk=run_id).update(
                status=ExportStatus.FAILED,
                finished_at=timezone.now(),
                error=f"{type(exc).__name__}: {exc}"[:2000],
            )
    else:
        with transaction.atomic(), audit_context(by=run.requested_by, reason="Export finished"):
            ExportRun.objects.filter(pk=run_id).update(
                status=ExportStatus.DONE,
                progress=100,
                finished_at=timezone.now(),
                file_path=name,
                file_size=size,
                sha256=digest,
                row_counts=counts,
            )
    run.refresh_from_db()
    return run


def download_record(
    *,
    by: User,
    what: str,
    filters: dict,
    rows: int,
    site_codes: Iterable[str],
    channel: str = ExportChannel.PAGE,
) -> ExportRun:
    """Record a bulk download served directly (who, when, what, filters, how many rows).

    `site_codes`: the sites whose data the download holds. Called by the page or API view
    that builds the download, before the response is sent.
    """
    if what not in BulkDownload.values:
        raise ValueError(f"Unknown bulk download {what!r}")
    now = timezone.now()
    recorded = {k: v for k, v in filters.items() if v not in (None, "", [], ())}
    recorded["sites"] = sorted(set(site_codes))
    label = BulkDownload(what).label
    with transaction.atomic(), audit_context(by=by, reason=f"Downloaded: {label}"):
        return ExportRun.objects.create(
            requested_by=by,
            requested_at=now,
            started_at=now,
            finished_at=now,
            channel=channel,
            format=what,
            filters=json_safe(recorded),
            status=ExportStatus.DONE,
            progress=100,
            row_counts={"rows": rows},
        )


def json_safe(value):
    """Filter values as JSON: dates as ISO text, model rows by their str, sets as lists."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [json_safe(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def export_file(run: ExportRun) -> Path:
    """Where a finished run's file is (never outside the exports folder)."""
    if run.status != ExportStatus.DONE or not run.file_path:
        raise ValidationError("This export has no file (yet).")
    directory = export_dir().resolve()
    path = (directory / run.file_path).resolve()
    if path.parent != directory or not path.is_file():
        raise ValidationError("The file of this export is missing.")
    return path


def export_download(*, run: ExportRun, by: User) -> Path:
    """The file to send, after recording the download in the run's audit trail.

    Who may download is decided by exports.selectors.get_run_for_user (404 otherwise).
    """
    path = export_file(run)
    with transaction.atomic(), audit_context(by=by, reason="Export downloaded"):
        ExportRun.objects.filter(pk=run.pk).update(
            download_count=F("download_count") + 1, last_downloaded_at=timezone.now()
        )
    return path


def export_to_path(
    *,
    by: User | None,
    format: str,
    output: Path,
    sites: Iterable[str] = (),
    statuses: Iterable[str] = (),
    date_from: date | None = None,
    date_to: date | None = None,
) -> ExportRun:
    """Run an export now (management command) and copy its file to `output`."""
    run = export_request(
        by=by,
        format=format,
        sites=sites,
        statuses=statuses,
        date_from=date_from,
        date_to=date_to,
        channel=ExportChannel.COMMAND,
    )
    run = export_run(run_id=run.pk)
    if run.status == ExportStatus.DONE:
        shutil.copyfile(export_file(run), output)
    return run
