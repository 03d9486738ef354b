"""Demo data for a newcomer: sites, one user per role, a few subjects. Safe to run again."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from trial.models import Membership, Role, Site, Study, Subject, User
from trial.services import subject_register

DEMO_PASSWORD = "demo-pass-2026"
# (username, first, last, role, site code or None for all sites)
DEMO_USERS = [
    ("coordinator", "Camille", "Durand", Role.COORDINATOR, "FR01"),
    ("coordinator2", "Li", "Wei", Role.COORDINATOR, "FR02"),
    ("investigator", "Pierre", "Martin", Role.INVESTIGATOR, "FR01"),
    ("monitor", "Anna", "Schmidt", Role.MONITOR, None),
    ("datamanager", "Sofia", "Rossi", Role.DATA_MANAGER, None),
    ("safety", "James", "Walker", Role.SPONSOR_SAFETY, None),
    ("admin", "Ada", "Admin", Role.ADMIN, None),
]
DEMO_SUBJECTS = [
    ("FR01", "F", date(1968, 3, 14), "melanoma"),
    ("FR01", "M", date(1975, 9, 2), "hnscc"),
    ("FR02", "M", date(1960, 12, 30), "sts"),
]


class Command(BaseCommand):
    help = "Create demo users (one per role), and a few demo subjects. Prints the logins."

    def handle(self, *args, **options):
        study = Study.objects.first()
        if study is None:
            raise CommandError("No study loaded: run `manage.py load_study` first.")
        with transaction.atomic():
            for username, first, last, role, site_code in DEMO_USERS:
                user, created = User.objects.get_or_create(
                    username=username,
                    defaults={
                        "first_name": first,
                        "last_name": last,
                        "email": f"{username}@example.org",
                        "is_staff": role == Role.ADMIN,
                        "is_superuser": role == Role.ADMIN,
                    },
                )
                if created:
                    user.set_password(DEMO_PASSWORD)
                    user.save(update_fields=["password"])
                site = Site.objects.get(code=site_code) if site_code else None
                Membership.objects.get_or_create(user=user, site=site, role=role)
            if not Subject.objects.exists():
                coordinators = {"FR01": "coordinator", "FR02": "coordinator2"}
                for site_code, sex, born, tumour in DEMO_SUBJECTS:
                    subject_register(
                        study=study,
                        site=Site.objects.get(code=site_code),
                        by=User.objects.get(username=coordinators[site_code]),
                        sex=sex,
                        date_of_birth=born,
                        tumour_type=tumour,
                    )
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD})")
        for username, _first, _last, role, site_code in DEMO_USERS:
            self.stdout.write(f"  {username:<13} {role.label:<17} {site_code or 'all sites'}")
