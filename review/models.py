"""What is common to every CRF: e-signatures, queries, locks and source-data verification.

Records are referred to generically (content type + id) so every CRF can be signed, queried,
locked and verified; `subject` is kept on each row so that site scoping stays one join away.
"""

import pghistory
import pgtrigger
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q

from trial.models import Site, Subject, User


class SignatureMeaning(models.TextChoices):
    REVIEWED = "reviewed_and_approved", "Reviewed and approved"
    ELIGIBILITY = "eligibility_confirmed", "Eligibility confirmed"
    SAE_REPORT = "sae_report_approved", "SAE report approved"


class Signature(models.Model):
    """A 21 CFR Part 11 style e-signature, bound to a hash of the signed content.

    Never edited or deleted (a trigger refuses both); a later edit of the record changes its
    content hash, which shows this signature as no longer valid.
    """

    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="signatures")
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.PositiveBigIntegerField()
    record = GenericForeignKey("content_type", "object_id")
    signer = models.ForeignKey(User, on_delete=models.PROTECT, related_name="signatures")
    printed_name = models.CharField(max_length=200)
    meaning = models.CharField(max_length=30, choices=SignatureMeaning.choices)
    signed_at = models.DateTimeField()
    content_hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["-signed_at"]
        indexes = [models.Index(fields=["content_type", "object_id"])]
        triggers = [
            pgtrigger.Protect(
                name="signature_append_only", operation=pgtrigger.Update | pgtrigger.Delete
            )
        ]

    def __str__(self):
        return (
            f"{self.printed_name}: {self.get_meaning_display()} ({self.signed_at:%Y-%m-%d %H:%M})"
        )


class QueryStatus(models.TextChoices):
    OPEN = "open", "Open"
    ANSWERED = "answered", "Answered"
    CLOSED = "closed", "Closed"


class QueryOrigin(models.TextChoices):
    MANUAL = "manual", "Raised by a person"
    AUTOMATIC = "automatic", "Automatic edit check"


# reminder_due_at is the reminder scan's bookkeeping, not trial data: not audited.
@pghistory.track(exclude=["reminder_due_at"])
class Query(models.Model):
    """A discrepancy raised on a record or one of its fields."""

    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="queries")
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.PositiveBigIntegerField()
    record = GenericForeignKey("content_type", "object_id")
    field_name = models.CharField(max_length=100, blank=True)
    text = models.TextField()
    origin = models.CharField(max_length=10, choices=QueryOrigin.choices)
    # Automatic queries: the edit check that raised it (one open query per record and check).
    check_code = models.CharField(max_length=60, blank=True)
    status = models.CharField(max_length=10, choices=QueryStatus.choices, default="open")
    raised_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    raised_at = models.DateTimeField()
    closed_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    # When the reminder scan (followup.services) must look at this query again: NULL (at the
    # next scan) when it is raised, answered or re-opened, then the moment of its "left open"
    # reminder or followup.rules.NO_MORE_REMINDERS once it was reminded, kept by the scan.
    reminder_due_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-raised_at"]
        verbose_name_plural = "queries"
        indexes = [
            models.Index(fields=["content_type", "object_id"]),
            models.Index(fields=["status", "raised_at"]),
            models.Index(
                fields=["reminder_due_at"],
                condition=Q(status__in=["open", "answered"]),
                name="query_active_reminder_due",
            ),
        ]
        triggers = [pgtrigger.Protect(name="no_hard_delete", operation=pgtrigger.Delete)]
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "check_code"],
                condition=~Q(check_code="") & ~Q(status="closed"),
                name="query_one_open_per_check",
            ),
        ]

    def __str__(self):
        return f"Query on {self.content_type.model} {self.object_id}: {self.text[:40]}"


class QueryMessage(models.Model):
    """The thread of a query: who said what, when. Append-only."""

    class Kind(models.TextChoices):
        RAISED = "raised", "Raised"
        ANSWERED = "answered", "Answered"
        CLOSED = "closed", "Closed"
        REOPENED = "reopened", "Re-opened"
        COMMENT = "comment", "Comment"

    query = models.ForeignKey(Query, on_delete=models.PROTECT, related_name="messages")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    author = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField(blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        triggers = [
            pgtrigger.Protect(
                name="query_message_append_only", operation=pgtrigger.Update | pgtrigger.Delete
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} by {self.author or 'system'}"


@pghistory.track()
class RecordLock(models.Model):
    """A data manager's lock on a signed record (or on a whole subject, record = subject)."""

    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="locks")
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.PositiveBigIntegerField()
    record = GenericForeignKey("content_type", "object_id")
    locked_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    locked_at = models.DateTimeField()
    unlocked_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    unlocked_at = models.DateTimeField(null=True, blank=True)
    unlock_reason = models.TextField(blank=True)

    class Meta:
        triggers = [pgtrigger.Protect(name="no_hard_delete", operation=pgtrigger.Delete)]
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id"],
                condition=Q(unlocked_at__isnull=True),
                name="lock_one_active_per_record",
            ),
        ]

    def __str__(self):
        return f"Lock on {self.content_type.model} {self.object_id}"


@pghistory.track()
class SourceVerification(models.Model):
    """A monitor's source-data verification of a form (or one field), bound to its content."""

    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="verifications")
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.PositiveBigIntegerField()
    record = GenericForeignKey("content_type", "object_id")
    field_name = models.CharField(max_length=100, blank=True)
    verified_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    verified_at = models.DateTimeField()
    content_hash = models.CharField(max_length=64)

    class Meta:
        indexes = [models.Index(fields=["content_type", "object_id"])]
        triggers = [pgtrigger.Protect(name="no_hard_delete", operation=pgtrigger.Delete)]

    def __str__(self):
        return f"SDV of {self.content_type.model} {self.object_id} by {self.verified_by}"


class SiteChange(models.Model):
    """A fresh token each time the review services change what a site's task counts count
    (review.services.task_counts_moved: a CRF write, a signature, a lock, a verification, a
    subject's void or correction), in the transaction of the change. Signatures are not audit
    events and inside one transaction the audit chain does not move yet: the cached counts
    (TaskCount) watch this token beside the chain."""

    # No foreign-key constraint in the database: its check would take a share lock on the
    # site's row, which registration holds FOR UPDATE (screening numbers) while it waits for
    # the audit chain's head, so a correction renewing this token deadlocked with it
    # (tests/trial/test_audit_chain.py, concurrent writers). Sites are never deleted.
    site = models.OneToOneField(
        Site, primary_key=True, on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    token = models.UUIDField()

    def __str__(self):
        return f"site {self.site_id} changed ({self.token})"


class TaskCount(models.Model):
    """A count of the work waiting at one site (review.task_counts: the review queue, the
    forms to verify, the records to lock; followup.my_tasks: the coordinator's forms
    incomplete), kept so that the navigation costs one indexed query whatever the size of the
    trial. It is current while the audit chain's head (moved at the commit of every audited
    write: any CRF, subject, lock or verification) and the site's SiteChange token are those
    it was counted at, for its `day` if it has one, and for MAX_AGE at most
    (review.task_counts)."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=20)
    count = models.PositiveIntegerField()
    chain_seq = models.BigIntegerField()
    site_token = models.UUIDField()
    counted_at = models.DateTimeField()
    # The day a count depends on (forms owed once their visit's window has closed), or null.
    day = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["site", "name"], name="task_count_one_per_site")
        ]

    def __str__(self):
        return f"{self.name} at {self.site_id}: {self.count}"
