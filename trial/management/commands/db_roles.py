"""Create the owner and application roles and the database (idempotent), for CI and operators.

    manage.py db_roles --admin-url postgresql://postgres@127.0.0.1:5432/postgres

Role names, passwords and the database name come from DATABASE_OWNER_URL and DATABASE_URL;
`--admin-url` is a role that may create roles and databases, used only for this.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from config import database_roles


class Command(BaseCommand):
    help = "Create or correct the owner and application database roles and the database."
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--admin-url", required=True, help="A role that may create roles.")

    def handle(self, *args, admin_url, **options):
        default, owner = settings.DATABASES["default"], settings.DATABASE_OWNER
        roles = database_roles.Roles(
            database=default["NAME"],
            owner=owner["USER"],
            application=default["USER"],
            owner_password=owner["PASSWORD"],
            application_password=default.get("PASSWORD") or "",
        )
        if roles.owner == roles.application:
            raise CommandError(
                "DATABASE_OWNER_URL and DATABASE_URL name the same role: set both to two roles"
            )
        database_roles.ensure_roles(admin_url, roles)
        self.stdout.write(
            f"Database {roles.database}: owner {roles.owner}, application {roles.application}."
        )
