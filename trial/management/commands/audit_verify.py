"""Recompute the audit trail's hash chain and name the first broken link (trial/audit_chain.py).

Exit status 0 and the number of links and the head hash when intact; otherwise the problem and
exit status 1. Celery beat runs the same check daily (followup.tasks.verify_audit_trail).
"""

from django.core.management.base import BaseCommand, CommandError

from trial import audit_chain


class Command(BaseCommand):
    help = "Verify the audit trail's hash chain; name the first broken link."

    def handle(self, *args, **options):
        result = audit_chain.verify()
        if not result.intact:
            raise CommandError(f"Audit trail broken: {result.problem}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Audit trail intact: {result.links} events linked, head {result.head_hash}."
            )
        )
