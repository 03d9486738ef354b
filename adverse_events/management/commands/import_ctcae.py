from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from adverse_events.ctcae import (
    STARTER_CSV,
    CtcaeImportError,
    import_terms,
    read_starter_csv,
    read_workbook,
)


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
            counts = import_terms(
                reader(source),
                reason=f"CTCAE v5.0 imported from {source.name} (import_ctcae)",
                # The starter's wording is ours; it must not overwrite NCI's once loaded.
                create_only=path is None,
            )
        except CtcaeImportError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"CTCAE v5.0 from {source.name}: {counts}."))
