"""Load the demo trial (demo/seed.py): once, idempotently; `--reset` rebuilds it (development).

Refused in production (ECRF_ENV=production): demo patients must never sit beside real ones.
"""

from time import monotonic

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from demo.models import DemoDataset
from demo.seed import DEMO_PASSWORD, DEMO_USERS, seed
from trial.bulk_load import bulk_load
from trial.models import Subject
from trial.privileges import as_owner
from trial.study import CurrentStudyError, current_study


def reset_database() -> None:
    """Drop every table by dropping and recreating the schema, then migrate from scratch.

    Clinical rows are never deleted by the product (their tables refuse DELETE, the audit
    tables UPDATE and DELETE too, and the application's role may not TRUNCATE or drop
    anything): this development-only reset does not delete rows, it removes the schema that
    holds them, connected as the database owner (DATABASE_OWNER_URL). `migrate` then rebuilds
    it, as the owner, and grants the application's role its privileges again. Never called
    in production.
    """
    with as_owner(), connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        (schema,) = cursor.fetchone()
        quoted = connection.ops.quote_name(schema)
        cursor.execute(f"DROP SCHEMA {quoted} CASCADE")
        cursor.execute(f"CREATE SCHEMA {quoted}")
    ContentType.objects.clear_cache()
    call_command("migrate", interactive=False, verbosity=0)
    call_command("load_study", verbosity=0)
    call_command("import_ctcae", verbosity=0)


class Command(BaseCommand):
    help = (
        "Load the demo trial (about 30 subjects at 3 sites, one user per role) through the "
        "services, dated relative to today. Idempotent; --reset rebuilds the development "
        "database from its migrations first. Refused in production."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Development only: drop the database schema (every table), migrate, load "
            "the study and the CTCAE list, then seed the demo again.",
        )

    def handle(self, *args, reset=False, **options):
        if settings.PRODUCTION:
            raise CommandError(
                "seed_demo refuses to run in production (ECRF_ENV=production): demo patients "
                "must never be mixed with a real trial's."
            )
        started = monotonic()
        reset_seconds = None
        if reset:
            self.stdout.write(f"Resetting database {connection.settings_dict['NAME']}...")
            reset_database()
            reset_seconds = monotonic() - started
        try:
            study = current_study()
        except CurrentStudyError as exc:
            raise CommandError(str(exc)) from None
        existing = DemoDataset.objects.first()
        if existing is not None:
            self.stdout.write(
                f"The demo data set is already loaded (dated {existing.as_of}): nothing changed."
            )
        elif Subject.objects.exists():
            self.stderr.write(
                "This database already holds subjects that are not the demo's: the demo is "
                "not loaded beside them. On a development database, `manage.py seed_demo "
                "--reset` rebuilds it with the demo only."
            )
            return
        else:
            now = timezone.now()
            with bulk_load() as analyzed:
                counts = seed(study=study, now=now)
                elapsed = monotonic() - started
                DemoDataset.objects.create(
                    study=study,
                    as_of=timezone.localdate(now),
                    seeded_at=now,
                    seconds=round(elapsed, 2),
                )
            summary = ", ".join(f"{n} {name}" for name, n in counts.items())
            self.stdout.write(f"Demo data set loaded: {summary}.")
            self.stdout.write(str(analyzed))
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD})")
        for username, _first, _last, role, site_code in DEMO_USERS:
            self.stdout.write(f"  {username:<14} {role.label:<17} {site_code or 'all sites'}")
        took = f"seed_demo took {monotonic() - started:.1f} s"
        if reset_seconds is not None:
            took += f" (the reset and migrations {reset_seconds:.1f} s of it)"
        self.stdout.write(took)
