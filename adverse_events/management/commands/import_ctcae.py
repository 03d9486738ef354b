from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from adverse_events.ctcae import (
    CHANGE_KINDS,
    STARTER_CSV,
    CtcaeImportError,
    describe_change,
    import_terms,
    read_starter_csv,
    read_workbook,
)
from trial.bulk_load import bulk_load


class Command(BaseCommand):
    help = (
        "Import the CTCAE v5.0 dictionary: NCI's spreadsheet (.xlsx) or a CSV in the starter's "
        "format. Without PATH, adds the bundled starter terms that are missing and leaves terms "
        "already present untouched. Safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", help="CTCAE_v5.0.xlsx or a .csv (default: starter)")

    def handle(self, *args, path=None, **options):
        source = Path(path) if path else STARTER_CSV
        readers = {".xlsx": read_workbook, ".csv": read_starter_csv}
        reader = readers.get(source.suffix.lower())
        if reader is None:
            raise CommandError(f"{source}: expected an .xlsx workbook or a .csv file")
        try:
            with bulk_load() as analyzed:
                counts = import_terms(
                    reader(source),
                    reason=f"CTCAE v5.0 imported from {source.name} (import_ctcae)",
                    # The starter's wording is ours; it must not overwrite NCI's once loaded.
                    create_only=path is None,
                    source=source.name,
                )
        except CtcaeImportError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"CTCAE v5.0 from {source.name}: {counts}."))
        self.stdout.write(str(analyzed))
        for kind, title in CHANGE_KINDS.items():
            entries = counts.changes.get(kind, [])
            if entries and not (kind == "added" and len(entries) > 20):
                self.stdout.write(f"{title}:")
                for entry in entries:
                    self.stdout.write(f"  {describe_change(kind, entry)}")
            elif entries:
                self.stdout.write(f"{title}: {len(entries)}")
