"""Review writes: e-signatures, queries and edit checks, locks, source-data verification.

Every CRF's editing service calls `assert_editable` first (locked records are read-only for
everyone) and `run_edit_checks` after it saves, inside its own transaction. Signatures and
verifications bind to the record's content hash (review.signing): an edit changes the hash,
which shows them as no longer valid; nothing here ever updates or deletes them.
"""

import uuid
from datetime import datetime

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Model
from django.utils import timezone

from review import checks, signing
from review.models import (
    Query,
    QueryMessage,
    QueryOrigin,
    QueryStatus,
    RecordLock,
    Signature,
    SignatureMeaning,
    SiteChange,
    SourceVerification,
)
from review.records import field_choices, kind_of, record_title, subject_of
from review.selectors import (
    SignatureState,
    _ct,
    awaiting_review,
    can_close_query,
    fresh,
    latest_signature,
    latest_verification,
    lock_of,
    own_lock,
    rows_of,
    signature_state,
    signature_status,
)
from trial import hooks, security
from trial.access import require
from trial.audit import audit_context
from trial.capabilities import Capability
from trial.models import Subject, User

WRONG_PASSWORD = "The password is not correct."
PASSWORD_MISSING = "Re-enter your password to sign."


def _require(user: User, record: Model, capability: Capability, *, action: str) -> Subject:
    subject = subject_of(record)
    require(user, capability, subject, action=action)
    return subject


def _kind(record: Model):
    kind = kind_of(record)
    if kind is None:
        raise ValidationError(f"A {record._meta.verbose_name} is not a reviewed record.")
    return kind


def _local(moment: datetime) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}"


# --- e-signatures -------------------------------------------------------------------------------


def password_verify(*, user: User, password: str, request=None) -> None:
    """The password re-entered for an e-signature: every signing service calls this, outside
    its own transaction, before it writes.

    A wrong password counts as a failed sign-in (django-axes, keyed on the request's client)
    in its own committed transaction, so the refusal that follows cannot roll it back; a
    locked account signs nothing, right password or not, even from a session opened before
    the lock. An empty password is not a guess and is not counted.
    """
    username = user.get_username()
    if not password:
        raise ValidationError({"password": [PASSWORD_MISSING]})
    if security.password_locked(username=username, request=request):
        raise ValidationError({"password": [security.lockout_message(username)]})
    if user.check_password(password):
        security.password_failures_forget(username=username)
        return
    if security.password_failure_record(username=username, request=request):
        raise ValidationError({"password": [security.lockout_message(username)]})
    raise ValidationError({"password": [WRONG_PASSWORD]})


def task_counts_moved(*, site_id: int) -> None:
    """The site's cached task counts (review.task_counts.cached) are counted again at the next
    page: call in the transaction of any change to what they count (bulk loads too)."""
    SiteChange.objects.bulk_create(
        [SiteChange(site_id=site_id, token=uuid.uuid4())],
        update_conflicts=True,
        unique_fields=["site"],
        update_fields=["token"],
    )


def signature_add(*, record: Model, signer: User, meaning: str, now: datetime) -> Signature:
    """Append a signature bound to the record's stored content.

    For services that have already checked the signer's role and re-entered password
    (record_sign, eligibility confirmation, SAE report approval); call it after the record's
    save, inside the same transaction.
    """
    task_counts_moved(site_id=subject_of(record).site_id)
    return Signature.objects.create(
        subject=subject_of(record),
        content_type=_ct(record),
        object_id=record.pk,
        signer=signer,
        printed_name=signer.get_full_name() or signer.get_username(),
        meaning=SignatureMeaning(meaning).value,
        signed_at=now,
        content_hash=signing.record_hash(fresh(record)),
    )


def record_sign(
    *, record: Model, user: User, meaning: str, password: str, now: datetime, request=None
) -> Signature:
    """An investigator of the subject's site signs a CRF, re-entering their password."""
    _require(user, record, Capability.SIGN, action="sign CRFs")
    kind = _kind(record)
    if kind.sign_meaning is None:
        message = kind.signed_elsewhere or f"{kind.name} records are not signed."
    elif meaning != kind.sign_meaning:
        message = f"{kind.name} is signed as '{SignatureMeaning(kind.sign_meaning).label}'."
    else:
        message = ""
    if message:
        raise ValidationError({"meaning": [message]})
    password_verify(user=user, password=password, request=request)
    with transaction.atomic():
        current = type(record)._base_manager.select_for_update().get(pk=record.pk)
        title = record_title(current)
        if getattr(current, "voided_at", None):
            raise ValidationError(f"{title} was voided: voided records are not signed.")
        blocker = kind.sign_blocker(current) if kind.sign_blocker else ""
        if blocker:
            raise ValidationError(blocker)
        latest = latest_signature(current)
        state = signature_state(latest, signing.record_hash(fresh(current)))
        if state == SignatureState.VALID and latest.meaning == meaning:
            raise ValidationError(
                f"{title} is already signed by {latest.printed_name} "
                f"({_local(latest.signed_at)}) and unchanged since."
            )
        return signature_add(record=current, signer=user, meaning=meaning, now=now)


# --- locks ----------------------------------------------------------------------------------------


def assert_editable(record: Model) -> None:
    """Refuse any edit of a locked record, or of any record of a locked subject.

    `record` may be unsaved (a new CRF row): then only its subject's lock applies.
    """
    lock = lock_of(record)
    if lock is None:
        return
    if lock.content_type.model == "subject":
        what = f"Subject {subject_of(record)}"
    else:
        what = record_title(record)
    raise ValidationError(
        {
            NON_FIELD_ERRORS: [
                ValidationError(
                    f"{what} is locked (by {lock.locked_by} on {_local(lock.locked_at)}): it is "
                    "read-only until a data manager unlocks it with a reason.",
                    code="locked",
                )
            ]
        }
    )


def record_lock(*, record: Model, by: User, now: datetime) -> RecordLock:
    """A data manager locks a record that carries a valid signature."""
    subject = _require(by, record, Capability.LOCK, action="lock records")
    kind = _kind(record)
    if not kind.lockable:
        raise ValidationError(f"{kind.name} records are locked with their subject.")
    with transaction.atomic():
        current = type(record)._base_manager.select_for_update().get(pk=record.pk)
        title = record_title(current)
        state = signature_status(current)
        if state != SignatureState.VALID:
            why = (
                "its signature is no longer valid (edited since it was signed)"
                if state == SignatureState.INVALIDATED
                else "it is not signed"
            )
            raise ValidationError(f"Only a signed record can be locked: {title}: {why}.")
        if lock_of(current) is not None:
            raise ValidationError(f"{title} is already locked.")
        task_counts_moved(site_id=subject.site_id)
        with audit_context(by=by, reason=f"{title} locked"):
            return RecordLock.objects.create(
                subject=subject,
                content_type=_ct(current),
                object_id=current.pk,
                locked_by=by,
                locked_at=now,
            )


def subject_lock(*, subject: Subject, by: User, now: datetime) -> RecordLock:
    """A data manager locks a whole subject once every CRF awaiting a signature is signed."""
    _require(by, subject, Capability.LOCK, action="lock subjects")
    with transaction.atomic():
        subject = Subject.objects.select_for_update().get(pk=subject.pk)
        pending = awaiting_review(Subject.objects.filter(pk=subject.pk))
        if pending:
            listed = "; ".join(f"{item.title}: {item.task.lower()}" for item in pending)
            raise ValidationError(f"Subject {subject} cannot be locked yet: {listed}.")
        if own_lock(subject) is not None:
            raise ValidationError(f"Subject {subject} is already locked.")
        task_counts_moved(site_id=subject.site_id)
        with audit_context(by=by, reason=f"Subject {subject} locked"):
            return RecordLock.objects.create(
                subject=subject,
                content_type=_ct(subject),
                object_id=subject.pk,
                locked_by=by,
                locked_at=now,
            )


def record_unlock(*, record: Model, by: User, reason: str, now: datetime) -> RecordLock:
    """A data manager unlocks a record (or a subject, record = the subject) with a reason."""
    _require(by, record, Capability.LOCK, action="unlock records")
    if not reason or not reason.strip():
        raise ValidationError({"reason": ["A reason is required to unlock a record."]})
    title = f"Subject {record}" if isinstance(record, Subject) else record_title(record)
    with transaction.atomic():
        lock = (
            RecordLock.objects.select_for_update()
            .filter(rows_of(record))
            .filter(unlocked_at__isnull=True)
            .first()
        )
        if lock is None:
            raise ValidationError(f"{title} is not locked.")
        lock.unlocked_by = by
        lock.unlocked_at = now
        lock.unlock_reason = reason.strip()
        task_counts_moved(site_id=lock.subject.site_id)
        with audit_context(by=by, reason=f"Unlocked: {reason.strip()}"):
            lock.save(update_fields=["unlocked_by", "unlocked_at", "unlock_reason"])
    return lock


# --- source-data verification -----------------------------------------------------------------


def _check_field(record: Model, field_name: str) -> None:
    if field_name and field_name not in {name for name, _label in field_choices(record)}:
        message = f"{record_title(record)} has no field {field_name}."
        raise ValidationError({"field_name": [message]})


def record_verify(
    *, record: Model, by: User, field_name: str = "", now: datetime
) -> SourceVerification:
    """A monitor marks a record (or one field) as verified against the source."""
    subject = _require(by, record, Capability.VERIFY, action="verify source data")
    _kind(record)
    _check_field(record, field_name)
    stored = fresh(record)
    content_hash = (
        signing.field_hash(stored, field_name) if field_name else signing.record_hash(stored)
    )
    latest = latest_verification(stored, field_name)
    if latest is not None and latest.content_hash == content_hash:
        raise ValidationError(
            f"Already verified by {latest.verified_by} ({_local(latest.verified_at)}) and "
            "unchanged since."
        )
    what = f"{record_title(stored)}{f' {field_name}' if field_name else ''}"
    with transaction.atomic(), audit_context(by=by, reason=f"Source data verified: {what}"):
        task_counts_moved(site_id=subject.site_id)
        return SourceVerification.objects.create(
            subject=subject,
            content_type=_ct(stored),
            object_id=stored.pk,
            field_name=field_name,
            verified_by=by,
            verified_at=now,
            content_hash=content_hash,
        )


# --- queries ------------------------------------------------------------------------------------


def _text(text: str, field: str, message: str) -> str:
    if not text or not text.strip():
        raise ValidationError({field: [message]})
    return text.strip()


def query_raise(
    *, record: Model, by: User, text: str, field_name: str = "", now: datetime
) -> Query:
    """A monitor, data manager or the site's investigator raises a query on a record or field."""
    subject = _require(by, record, Capability.RAISE_QUERY, action="raise queries")
    _kind(record)
    text = _text(text, "text", "Say what needs checking.")
    _check_field(record, field_name)
    with transaction.atomic(), audit_context(by=by, reason="Query raised"):
        query = Query.objects.create(
            subject=subject,
            content_type=_ct(record),
            object_id=record.pk,
            field_name=field_name,
            text=text,
            origin=QueryOrigin.MANUAL,
            raised_by=by,
            raised_at=now,
        )
        message = QueryMessage.objects.create(
            query=query, kind=QueryMessage.Kind.RAISED, author=by, text=text, created_at=now
        )
        hooks.call("query_event", message=message, now=now)
    return query


def _locked_query(query: Query) -> Query:
    return Query.objects.select_for_update().select_related("subject__site").get(pk=query.pk)


def query_answer(*, query: Query, by: User, text: str, now: datetime) -> Query:
    """The site (coordinator or investigator) answers an open query."""
    _require(by, query.subject, Capability.ANSWER_QUERY, action="answer queries for the site")
    text = _text(text, "text", "Write the answer.")
    with transaction.atomic(), audit_context(by=by, reason="Query answered"):
        current = _locked_query(query)
        if current.status != QueryStatus.OPEN:
            raise ValidationError(
                f"Only an open query can be answered; this one is {current.get_status_display()}."
            )
        current.status = QueryStatus.ANSWERED
        current.reminder_due_at = None  # the reminder scan looks again: a new recipient
        current.save(update_fields=["status", "reminder_due_at"])
        message = QueryMessage.objects.create(
            query=current, kind=QueryMessage.Kind.ANSWERED, author=by, text=text, created_at=now
        )
        hooks.call("query_event", message=message, now=now)
    return current


def _require_closer(user: User, query: Query, action: str) -> None:
    """Monitors and data managers close and re-open queries; an investigator, their own."""
    if can_close_query(user, query):
        return
    raise PermissionDenied(
        f"Only a monitor or data manager (or the investigator who raised it) may {action} "
        "this query."
    )


def query_close(*, query: Query, by: User, text: str = "", now: datetime) -> Query:
    _require_closer(by, query, "close")
    with transaction.atomic(), audit_context(by=by, reason="Query closed"):
        current = _locked_query(query)
        if current.status == QueryStatus.CLOSED:
            raise ValidationError("This query is already closed.")
        current.status = QueryStatus.CLOSED
        current.closed_by = by
        current.closed_at = now
        current.save(update_fields=["status", "closed_by", "closed_at"])
        message = QueryMessage.objects.create(
            query=current,
            kind=QueryMessage.Kind.CLOSED,
            author=by,
            text=(text or "").strip(),
            created_at=now,
        )
        hooks.call("query_event", message=message, now=now)
    return current


def query_reopen(*, query: Query, by: User, text: str, now: datetime) -> Query:
    _require_closer(by, query, "re-open")
    text = _text(text, "text", "Say why the query is re-opened.")
    with transaction.atomic():
        current = _locked_query(query)
        if current.status != QueryStatus.CLOSED:
            raise ValidationError(f"This query is {current.get_status_display().lower()}.")
        current.status = QueryStatus.OPEN
        current.closed_by = None
        current.closed_at = None
        current.reminder_due_at = None  # the reminder scan looks again
        try:
            with transaction.atomic(), audit_context(by=by, reason="Query re-opened"):
                current.save(update_fields=["status", "closed_by", "closed_at", "reminder_due_at"])
        except IntegrityError:
            raise ValidationError(
                "The edit check has raised a new query on this record since: answer that one."
            ) from None
        message = QueryMessage.objects.create(
            query=current, kind=QueryMessage.Kind.REOPENED, author=by, text=text, created_at=now
        )
        hooks.call("query_event", message=message, now=now)
    return current


# --- automatic edit checks --------------------------------------------------------------------

AUTO_CLOSED = "Closed automatically: the data no longer fails the check."


def edit_check_failures(record: Model, now: datetime) -> list[checks.Failure]:
    """The failed edit checks of a saved record (see review.checks)."""
    kind = kind_of(record)
    return kind.edit_checks(record, now) if kind and kind.edit_checks else []


def run_edit_checks(record: Model, now: datetime) -> None:
    """Raise an automatic query per failed check, once; close those that no longer fail.

    A query a person closed (the value confirmed against the source) is not raised again
    while the data fails the check with the same message. Runs inside the caller's
    transaction and audit context: the queries' events carry the edit that caused them.
    """
    failures = {f.check_code: f for f in edit_check_failures(record, now)}
    automatic = Query.objects.filter(rows_of(record), origin=QueryOrigin.AUTOMATIC)
    active = {q.check_code: q for q in automatic.exclude(status=QueryStatus.CLOSED)}
    for code, query in active.items():
        if code in failures:
            continue
        query.status = QueryStatus.CLOSED
        query.closed_by = None
        query.closed_at = now
        query.save(update_fields=["status", "closed_by", "closed_at"])
        QueryMessage.objects.create(
            query=query, kind=QueryMessage.Kind.CLOSED, text=AUTO_CLOSED, created_at=now
        )
    acknowledged = set(
        automatic.filter(status=QueryStatus.CLOSED, closed_by__isnull=False).values_list(
            "check_code", "text"
        )
    )
    for code, failure in failures.items():
        if code in active or (code, failure.message) in acknowledged:
            continue
        try:
            with transaction.atomic():
                query = Query.objects.create(
                    subject=subject_of(record),
                    content_type=_ct(record),
                    object_id=record.pk,
                    field_name=failure.field_name,
                    text=failure.message,
                    origin=QueryOrigin.AUTOMATIC,
                    check_code=code,
                    raised_at=now,
                )
                QueryMessage.objects.create(
                    query=query,
                    kind=QueryMessage.Kind.RAISED,
                    text=failure.message,
                    created_at=now,
                )
        except IntegrityError:
            # Raised meanwhile by a concurrent save of the same record: one is enough.
            continue
