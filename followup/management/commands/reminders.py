from datetime import date as datetime_date
from datetime import datetime, time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from followup import services


class Command(BaseCommand):
    help = (
        "Show the reminders due at a date (dry run, the default) or run the scan and send "
        "them (--run)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--date", help="YYYY-MM-DD (end of that day); default: now")
        parser.add_argument("--run", action="store_true", help="Create and send them")

    def handle(self, *args, date=None, run=False, **options):
        now = timezone.now()
        if date:
            try:
                day = datetime_date.fromisoformat(date)
            except ValueError:
                raise CommandError(f"--date {date!r} is not YYYY-MM-DD") from None
            now = datetime.combine(day, time(23, 59), tzinfo=timezone.get_current_timezone())
        if not run:
            result = services.plan(now)
            for r in sorted(result.planned, key=lambda r: (r.due_at, r.key)):
                self.stdout.write(f"{r.due_at:%Y-%m-%d %H:%M}  {r.recipient}  {r.title}")
            self.stdout.write(
                f"{len(result.planned)} reminder(s) due by {now:%Y-%m-%d %H:%M} "
                "(dry run: already-sent ones are listed too; nothing written)."
            )
            return
        result = services.scan(now)
        sent = sum(
            services.reminder_send(reminder_id=i, now=now) for i in services.pending_ids(now)
        )
        self.stdout.write(f"{len(result.created)} reminder(s) created, {sent} sent.")
