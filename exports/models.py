"""Every export is a row: who asked for what, with which filters, and what came out.

Bulk downloads served straight from a page (AE list, query list, screening log, dashboard
tables) or the API's list pages are rows too, recorded done and without a file.

Status changes and downloads are audited by pghistory; progress ticks are not (they would
flood the trail), so the update trigger fires only on the fields listed in AUDITED_FIELDS.
"""

import pghistory
from django.db import models

from trial.models import User

AUDITED_FIELDS = ("status", "file_path", "error", "download_count")


class ExportFormat(models.TextChoices):
    CSV = "csv", "CSV (zip: one file per CRF and a data dictionary)"
    XLSX = "xlsx", "Excel workbook (one sheet per CRF)"
    ODM = "odm", "CDISC ODM 1.3.2 XML (with audit records and signatures)"
    SDTM = "sdtm", "SDTM datasets (zip: CSV, SAS XPORT v5, Dataset-JSON v1.1, define.xml 2.1)"
    AUDIT = "audit", "Audit trail (CSV)"


class BulkDownload(models.TextChoices):
    """Downloads produced directly by a page or the API, recorded as runs without a file."""

    AE_LIST = "ae_list", "Adverse event list (CSV)"
    QUERY_LIST = "query_list", "Query list (CSV)"
    SCREENING_LOG = "screening_log", "Screening log (CSV)"
    DASHBOARD = "dashboard", "Dashboard table (CSV)"
    API_LIST = "api_list", "REST API list page (JSON)"


FILE_EXTENSIONS = {
    ExportFormat.CSV: "zip",
    ExportFormat.XLSX: "xlsx",
    ExportFormat.ODM: "xml",
    ExportFormat.SDTM: "zip",
    ExportFormat.AUDIT: "csv",
}


class ExportStatus(models.TextChoices):
    PENDING = "pending", "Waiting for a worker"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"
    # The file was deleted after the retention period (EXPORT_RETENTION_DAYS); the run, its
    # size and checksum stay on record.
    EXPIRED = "expired", "File deleted after the retention period"


class ExportChannel(models.TextChoices):
    WEB = "web", "Web page (produced in the request)"
    TASK = "task", "Web page (background task)"
    COMMAND = "command", "Management command"
    PAGE = "page", "Download from a list page (no file kept)"
    API = "api", "REST API (no file kept)"


@pghistory.track(
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(condition=pghistory.AnyChange(*AUDITED_FIELDS)),
)
class ExportRun(models.Model):
    # Empty for scheduled exports run by an operator with `manage.py export` and no --user.
    requested_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="export_runs"
    )
    requested_at = models.DateTimeField()
    channel = models.CharField(max_length=10, choices=ExportChannel.choices)
    format = models.CharField(max_length=20, choices=[*ExportFormat.choices, *BulkDownload.choices])
    # {"sites": [codes actually exported], "statuses": [...], "date_from": iso, "date_to": iso};
    # a bulk download records its page's filters ({"sites": [...], "serious": "yes", ...}).
    filters = models.JSONField(default=dict)
    status = models.CharField(
        max_length=10, choices=ExportStatus.choices, default=ExportStatus.PENDING
    )
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent done")
    row_counts = models.JSONField(default=dict, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The file's name in the exports storage (exports/storage.py); never a user-supplied path.
    file_path = models.CharField(max_length=200, blank=True)
    file_size = models.BigIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    error = models.TextField(blank=True)
    download_count = models.PositiveIntegerField(default=0)
    last_downloaded_at = models.DateTimeField(null=True, blank=True)
    expired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        indexes = [
            models.Index(fields=["requested_by", "requested_at"]),
            # The housekeeping scan: finished files past retention, runs left running.
            models.Index(fields=["status", "finished_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(progress__lte=100), name="exportrun_progress_percent"
            ),
        ]

    def __str__(self):
        return f"Export {self.pk} ({self.format}, {self.status})"

    @property
    def site_codes(self) -> list[str]:
        return list(self.filters.get("sites", []))

    @property
    def finished(self) -> bool:
        return self.status in (ExportStatus.DONE, ExportStatus.FAILED, ExportStatus.EXPIRED)


class StoredFile(models.Model):
    """A generated file kept in PostgreSQL (exports.storage.DatabaseStorage), so that every
    web node and worker sees it without a shared disk. Not clinical data: the export run that
    produced it is the record, and the file may be deleted after its retention period."""

    name = models.CharField(max_length=255, unique=True)
    size = models.BigIntegerField(default=0)
    chunk_size = models.PositiveIntegerField()
    created_at = models.DateTimeField()

    def __str__(self):
        return self.name


class StoredFileChunk(models.Model):
    """One piece of a stored file, in order: rows of at most `chunk_size` bytes keep every
    read and write bounded in memory, whatever the file's size."""

    file = models.ForeignKey(StoredFile, on_delete=models.CASCADE, related_name="chunks")
    number = models.PositiveIntegerField()
    data = models.BinaryField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["file", "number"], name="storedfilechunk_order"),
        ]

    def __str__(self):
        return f"{self.file_id}#{self.number}"
