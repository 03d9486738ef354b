"""The write contract of every CRF service: one place for the steps each write takes.

A CRF service stays an explicit keyword-only function (`dose_record(*, visit, by, values, ...)`)
and does its own clinical checks; the bookkeeping every CRF write needs is here, in order:

1. the permission (the service's `require` callable, raising PermissionDenied);
2. a transaction, and the row lock: the stored record (SELECT ... FOR UPDATE), or for a new
   record its parent row (the subject, the visit), so that two saves of one CRF queue up;
3. the lock of the record or its subject (review.services.assert_editable), read under
   that row lock;
4. nothing is written for a voided subject (entered in error: its records stand as they
   are), nor is a voided record edited (or voided twice);
5. the version the user edited from (optimistic locking): a stale edit is refused, naming
   the record, instead of overwriting someone else's save;
6. the reason for change, required to edit or void saved data;
7. the audit context (who and why) around every write inside;
8. on leaving without an error, the automatic edit checks of the saved record
   (review.services.run_edit_checks), in the same transaction and audit context, and of
   the records whose checks read it (`write.recheck(row)`).

    with crf_write(require=..., record=existing, subject=subject, by=by, now=now,
                   expected_version=expected_version, reason=reason,
                   audit_reason="Dosing recorded") as write:
        row = write.record or DosingRecord(...)
        ...                              # the service's own rules, on write.record's values
        write.save(row)                  # version + 1 on an update, edit checks on exit

Every CRF table can be row-locked by the application's role (only the append-only audit
tables cannot, and nothing here locks them).
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model

from review.records import KINDS, record_title
from review.services import assert_editable, run_edit_checks, task_counts_moved
from trial.audit import audit_context
from trial.models import Subject, User, Visit

REASON_FOR_CHANGE = "A reason for change is required to edit saved data."
REASON_FOR_VOID = "A reason is required to void a record."


def stale_edit(record: Model, expected_version: int) -> ValidationError:
    """The refusal of an edit made from an older version than the stored one."""
    return ValidationError(
        {
            "__all__": ValidationError(
                f"This form was saved by someone else after you opened it "
                f"({record_title(record)}: it is now version {record.version}; you edited "
                f"version {expected_version}). Your input is kept below: compare with the "
                "saved values in the audit trail and save again.",
                code="stale",
            )
        }
    )


@dataclass
class CrfWrite:
    """What a service writes with, inside crf_write."""

    by: User
    now: datetime
    reason: str
    # The stored record, row-locked and fresh (None for a new record).
    record: Model | None
    # The row locked for a new record (or given as parent): the subject, the visit.
    parent: Model | None
    _saved: dict[tuple[str, object], Model] = field(default_factory=dict)
    _versioned: set[tuple[str, object]] = field(default_factory=set)
    _rechecked: dict[tuple[str, object], Model] = field(default_factory=dict)

    def save(self, row: Model, *, update_fields: list[str] | None = None) -> Model:
        """Save `row`: its version goes up by one on its first update in this write (a row
        saved twice in one write, a time point re-derived after its correction, is one
        new version); its edit checks run on exit."""
        key = (row._meta.label_lower, row.pk)
        if row.pk is not None and hasattr(row, "version") and key not in self._versioned:
            stored = self.record if self.record is not None and self.record.pk == row.pk else row
            row.version = stored.version + 1
            self._versioned.add(key)
            if update_fields is not None:
                update_fields = [*update_fields, "version"]
        if update_fields is not None and hasattr(row, "updated_at"):
            update_fields = [*dict.fromkeys([*update_fields, "updated_at"])]
        updated = row.pk is not None
        row.save(update_fields=update_fields)
        if updated:
            _forms_to_check_again(row)
        key = (row._meta.label_lower, row.pk)
        self._versioned.add(key)
        self._saved[key] = row  # the checks read the row as last saved
        return row

    def recheck(self, *rows: Model) -> None:
        """Run the edit checks of `rows` on exit too: stored records of other CRFs whose
        checks read what this write changes (the eligibility CRF's answers, compared with
        the prior cancer therapy records and the medical history)."""
        for row in rows:
            self._rechecked.setdefault((row._meta.label_lower, row.pk), row)

    def void(self, row: Model | None = None) -> Model:
        """Void the record with the write's reason: the row stays, with the reason."""
        row = row if row is not None else self.record
        row.voided_at = self.now
        row.void_reason = self.reason
        return self.save(row, update_fields=["voided_at", "void_reason"])


def _forms_to_check_again(row: Model) -> None:
    """A corrected or voided record of a form the schedule of assessments expects may leave
    the form missing at its visit (or, for a form kept per subject, at every visit of the
    subject; a record never moves to another visit): the reminder scan reads those visits
    again (Visit.forms_checked_at). The update is unconditional so that it takes the visit
    rows' lock and makes a new row version, which a scan reading concurrently sees
    (followup.services._check_forms)."""
    kind = KINDS.get(row._meta.label_lower)
    if kind is None or not kind.schedule_by:
        return
    on = {"subject_id": row.subject_id} if kind.schedule_by == "subject" else {"pk": row.visit_id}
    Visit._base_manager.filter(**on).update(forms_checked_at=None)


def _subject_of(record: Model | None, subject: Subject | None, parent: Model | None) -> Subject:
    if subject is not None:
        return subject
    for row in (record, parent):
        if isinstance(row, Subject):
            return row
        if row is not None:
            return row.subject
    raise TypeError("crf_write needs the record, its subject or its parent row.")


def _refuse_voided_subject(current, subject, locked_parent) -> None:
    """Read under the row lock: a caller's copy of the subject may predate its void."""
    row = _subject_of(current, subject, locked_parent)
    if row is current or row is locked_parent:
        voided = row.voided_at is not None
    else:
        voided = Subject._base_manager.filter(pk=row.pk, voided_at__isnull=False).exists()
    if voided:
        raise ValidationError(
            f"Subject {row} was voided (entered in error): nothing more is recorded or "
            "changed for it."
        )


@contextmanager
def crf_write(
    *,
    require: Callable[[], None],
    by: User,
    now: datetime,
    record: Model | None = None,
    find: Callable[[], Model | None] | None = None,
    subject: Subject | None = None,
    parent: Model | None = None,
    expected_version: int | None = None,
    already_recorded: str = "",
    reason: str = "",
    reason_required: bool = True,
    audit_reason: str = "",
    void: bool = False,
) -> Iterator[CrfWrite]:
    """Open a CRF write (see the module's docstring).

    `record` is the stored record to correct or void, None for a new one; or `find` looks
    it up once `parent` is locked (a CRF one per visit: two first saves cannot both see
    none). `parent` is the row locked first (the subject by default, for a new record).
    `expected_version` is the version the user edited (None: not checked, for the
    investigator's own acts on a record they did not type); `already_recorded` refuses a
    stored record found with no version named (a second "new" form). `reason` is the
    reason for change, required on an update and a void unless `reason_required` is False
    (an act recorded on the row rather than a correction of it: the investigator's
    causality, a visit's first date); `audit_reason` what the audit trail says then.
    """
    require()
    reason = (reason or "").strip()
    with transaction.atomic():
        current = None
        locked_parent = None
        if parent is not None:
            locked_parent = type(parent)._base_manager.select_for_update().get(pk=parent.pk)
        if find is not None:
            record = find()
        if record is not None and record.pk is not None:
            current = type(record)._base_manager.select_for_update().get(pk=record.pk)
        elif locked_parent is None:
            row = _subject_of(record, subject, parent)
            locked_parent = type(row)._base_manager.select_for_update().get(pk=row.pk)
        assert_editable(current if current is not None else locked_parent)
        _refuse_voided_subject(current, subject, locked_parent)
        if current is not None:
            title = record_title(current)
            if already_recorded and expected_version is None:
                raise ValidationError({"__all__": [already_recorded]})
            if getattr(current, "voided_at", None) is not None:
                if void:
                    raise ValidationError(f"{title} is already voided.")
                raise ValidationError(f"{title} was voided; it cannot be edited.")
            if expected_version is not None and current.version != expected_version:
                raise stale_edit(current, expected_version)
            if not reason and (reason_required or void):
                message = REASON_FOR_VOID if void else REASON_FOR_CHANGE
                raise ValidationError({"reason": [message]})
        write = CrfWrite(by=by, now=now, reason=reason, record=current, parent=locked_parent)
        said = f"Voided: {reason}" if void else (reason or audit_reason)
        with audit_context(by=by, reason=said):
            yield write
            for row in (write._rechecked | write._saved).values():
                run_edit_checks(row, now=now)
            if write._saved:
                task_counts_moved(site_id=_subject_of(current, subject, locked_parent).site_id)
