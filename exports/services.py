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
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path
from time import monotonic

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
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
from exports.storage import export_storage
from trial.audit import audit_context
from trial.models import Site, SubjectStatus, User
from trial.study import current_study

logger = logging.getLogger(__name__)

# Up to this many subjects the web page produces the file in the request and sends it
# back; above it a Celery task does the work and the page shows its progress.
STREAM_MAX_SUBJECTS = getattr(settings, "EXPORT_STREAM_MAX_SUBJECTS", 200)


def scratch_dir() -> Path:
    """Where this process writes a file being produced, before it goes to the exports
    storage: local to the worker (its own var/), never shared."""
    directory = Path(settings.VAR_DIR) / "tmp"
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
    stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
    name = f"{run.pk:06d}-{run.format}-{stamp}.{FILE_EXTENSIONS[run.format]}"
    handle, partial = tempfile.mkstemp(prefix=f".{name}.", suffix=".part", dir=scratch_dir())
    os.close(handle)  # the writers open the path themselves
    partial = Path(partial)
    try:
        with _snapshot() as own_transaction, _progress_writer(run.pk, own_transaction) as write:
            counts = _produce(run, partial, _Progress(write))
        size, digest = partial.stat().st_size, _sha256(partial)
        # The file and the run's "done" in one transaction: with the database storage a
        # crash leaves neither; with another storage at worst an unreferenced file.
        with (
            transaction.atomic(),
            audit_context(by=run.requested_by, reason="Export finished"),
            open(partial, "rb") as produced,
        ):
            name = export_storage().save(name, File(produced, name=name))
            ExportRun.objects.filter(pk=run_id).update(
                status=ExportStatus.DONE,
                progress=100,
                finished_at=timezone.now(),
                file_path=name,
                file_size=size,
                sha256=digest,
                row_counts=counts,
            )
    except Exception as exc:
        logger.exception("Export %s failed", run_id)
        with transaction.atomic(), audit_context(by=run.requested_by, reason="Export failed"):
            ExportRun.objects.filter(pk=run_id).update(
                status=ExportStatus.FAILED,
                finished_at=timezone.now(),
                error=f"{type(exc).__name__}: {exc}"[:2000],
            )
    finally:
        partial.unlink(missing_ok=True)
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


def export_open(run: ExportRun) -> File:
    """A finished run's file, open for reading from the exports storage (close it)."""
    if run.status == ExportStatus.EXPIRED:
        raise ValidationError(
            f"The file of this export was deleted after {settings.EXPORT_RETENTION_DAYS} days "
            "(retention period); request the export again."
        )
    if run.status != ExportStatus.DONE or not run.file_path:
        raise ValidationError("This export has no file (yet).")
    try:
        return export_storage().open(run.file_path, "rb")
    except FileNotFoundError:
        raise ValidationError("The file of this export is missing.") from None


def export_download(*, run: ExportRun, by: User) -> File:
    """The file to send, open, after recording the download in the run's audit trail.

    Who may download is decided by exports.selectors.get_run_for_user (404 otherwise).
    """
    handle = export_open(run)
    with transaction.atomic(), audit_context(by=by, reason="Export downloaded"):
        ExportRun.objects.filter(pk=run.pk).update(
            download_count=F("download_count") + 1, last_downloaded_at=timezone.now()
        )
    return handle


def exports_expire(*, now: datetime) -> int:
    """Delete the files of runs finished more than EXPORT_RETENTION_DAYS ago; the runs stay,
    marked expired. Safe to run twice at once: each run is claimed by a conditional update
    (the second scan's update waits on the row lock, then matches nothing)."""
    cutoff = now - timedelta(days=settings.EXPORT_RETENTION_DAYS)
    due = ExportRun.objects.filter(status=ExportStatus.DONE, finished_at__lt=cutoff).exclude(
        file_path=""
    )
    expired = 0
    storage = export_storage()
    for run_id, name in due.values_list("pk", "file_path"):
        reason = f"Export file deleted after {settings.EXPORT_RETENTION_DAYS} days (retention)"
        with transaction.atomic(), audit_context(by=None, reason=reason):
            claimed = ExportRun.objects.filter(pk=run_id, status=ExportStatus.DONE).update(
                status=ExportStatus.EXPIRED, expired_at=now
            )
            if claimed:
                # Inside the claim's transaction: if the delete fails the run stays done and
                # the next scan tries again (with the database storage both commit together).
                storage.delete(name)
                expired += 1
    return expired


def exports_fail_stale(*, now: datetime) -> int:
    """Mark failed the runs left "running" for longer than EXPORT_RUNNING_TIMEOUT_MINUTES:
    their worker died (a task past its time limit is killed without recording anything)."""
    minutes = settings.EXPORT_RUNNING_TIMEOUT_MINUTES
    stale = ExportRun.objects.filter(
        status=ExportStatus.RUNNING, started_at__lt=now - timedelta(minutes=minutes)
    )
    failed = 0
    for run_id in stale.values_list("pk", flat=True):
        with transaction.atomic(), audit_context(by=None, reason="Export abandoned by its worker"):
            failed += ExportRun.objects.filter(pk=run_id, status=ExportStatus.RUNNING).update(
                status=ExportStatus.FAILED,
                finished_at=now,
                error=f"The worker stopped: still running after {minutes} minutes.",
            )
    return failed


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
        with export_open(run) as source, open(output, "wb") as target:
            shutil.copyfileobj(source, target, 1 << 20)
    return run
