"""`manage.py migrate` as the owner role: Django's command, connected with DATABASE_OWNER_URL.

The application's own role (DATABASE_URL) may not create or alter tables; after the migrations
the post_migrate step (trial/apps.py) grants it its privileges again, still as the owner.
"""

from django.core.management.commands.migrate import Command as DjangoMigrate

from trial.privileges import as_owner


class Command(DjangoMigrate):
    def handle(self, *args, **options):
        with as_owner(options["database"]):
            return super().handle(*args, **options)
