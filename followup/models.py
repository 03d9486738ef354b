"""Reminders (one row per thing to remind, per recipient: sent exactly once) and the in-app
notification list."""

from django.db import models

from trial.models import Subject, User


class ReminderKind(models.TextChoices):
    VISIT_UPCOMING = "visit_upcoming", "Visit window opens soon"
    VISIT_WINDOW_CLOSING = "visit_window_closing", "Visit window closing"
    VISIT_OVERDUE = "visit_overdue", "Visit overdue"
    FORM_MISSING = "form_missing", "Expected form missing"
    SAE_NEW = "sae_new", "New SAE"
    SAE_12H_LEFT = "sae_12h_left", "SAE report due in 12 hours"
    SAE_OVERDUE = "sae_overdue", "SAE report overdue"
    SUSAR_DUE = "susar_due", "SUSAR report due"
    QUERY_OPEN = "query_open", "Query left open"
    QUERY_RAISED = "query_raised", "Query raised"
    QUERY_ANSWERED = "query_answered", "Query answered"
    QUERY_CLOSED = "query_closed", "Query closed"
    QUERY_REOPENED = "query_reopened", "Query re-opened"
    DAILY_DIGEST = "daily_digest", "Daily digest"
    AUDIT_CHAIN_BROKEN = "audit_chain_broken", "Audit trail hash chain broken"


class Reminder(models.Model):
    """A reminder to one person. `key` is unique: a retry, a second scan or a second beat
    process cannot create (or send) it twice."""

    key = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=30, choices=ReminderKind.choices)
    recipient = models.ForeignKey(User, on_delete=models.PROTECT, related_name="reminders")
    subject = models.ForeignKey(
        Subject, null=True, blank=True, on_delete=models.PROTECT, related_name="reminders"
    )
    title = models.CharField(max_length=200)
    body = models.TextField()
    url = models.CharField(max_length=200, blank=True)
    due_at = models.DateTimeField(db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Claimed by a conditional update before sending; sent_at set once the mail went out.
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # Replaced, before it went out, by a later state of the same record (followup.rules).
    superseded_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["-due_at"]
        indexes = [models.Index(fields=["sent_at", "due_at"])]

    def __str__(self):
        return f"{self.get_kind_display()} → {self.recipient}: {self.title}"


class Notification(models.Model):
    """The in-app copy of a reminder, with read/unread."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    reminder = models.OneToOneField(Reminder, on_delete=models.PROTECT, related_name="notification")
    title = models.CharField(max_length=200)
    body = models.TextField()
    url = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self):
        return self.title
