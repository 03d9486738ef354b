"""Scheduled and ad-hoc exports from the command line (recorded like every other export)."""

from datetime import date
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from exports import services
from exports.models import ExportFormat, ExportStatus
from trial.models import SubjectStatus, User


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{value!r} is not a date (YYYY-MM-DD)") from None


class Command(BaseCommand):
    help = (
        "Export the trial data to a file: csv (zip per CRF), xlsx, odm (CDISC ODM 1.3.2), "
        "sdtm (zip of CSV, XPT, Dataset-JSON and define.xml) or audit (audit trail CSV). "
        "Recorded as an export run."
    )

    def add_arguments(self, parser):
        parser.add_argument("--format", required=True, choices=ExportFormat.values)
        parser.add_argument("--output", required=True, type=Path, help="File to write")
        parser.add_argument(
            "--site", action="append", default=[], metavar="CODE", help="Repeat for several"
        )
        parser.add_argument(
            "--status",
            action="append",
            default=[],
            choices=SubjectStatus.values,
            help="Subject status to include (repeat for several; default all)",
        )
        parser.add_argument("--from", dest="date_from", type=_day, help="Registered from")
        parser.add_argument("--to", dest="date_to", type=_day, help="Registered until")
        parser.add_argument(
            "--user",
            help="Attribute the export to this user and limit it to their sites "
            "(default: the operator, every site)",
        )

    def handle(self, *args, **options):
        output: Path = options["output"]
        if not output.parent.exists():
            raise CommandError(f"Folder {output.parent} does not exist")
        by = None
        if options["user"]:
            try:
                by = User.objects.get(username=options["user"])
            except User.DoesNotExist:
                raise CommandError(f"No user {options['user']!r}") from None
        try:
            run = services.export_to_path(
                by=by,
                format=options["format"],
                output=output,
                sites=options["site"],
                statuses=options["status"],
                date_from=options["date_from"],
                date_to=options["date_to"],
            )
        except (PermissionDenied, ValidationError) as error:
            raise CommandError("; ".join(getattr(error, "messages", [str(error)]))) from None
        if run.status != ExportStatus.DONE:
            raise CommandError(f"Export {run.pk} failed: {run.error}")
        counts = ", ".join(f"{name} {count}" for name, count in run.row_counts.items())
        self.stdout.write(f"Export {run.pk} written to {output} ({run.file_size} bytes): {counts}")
