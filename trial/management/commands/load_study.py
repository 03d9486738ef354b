from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from trial.study_config import load_study, read_config


class Command(BaseCommand):
    help = "Load (or update) the study configuration from its TOML file. Safe to run again."

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", default=str(settings.STUDY_CONFIG_FILE))

    def handle(self, *args, path, **options):
        study, counts = load_study(read_config(Path(path)))
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded {study.protocol_number} ({study.product}): "
                f"{counts['created']} rows created, {counts['updated']} updated, "
                f"{counts['unchanged']} unchanged."
            )
        )
