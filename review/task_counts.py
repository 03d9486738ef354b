"""Counts of the work waiting for each role, for the navigation and the "My tasks" page.

They never build the review queue (issue 22: building it for the investigator's badge cost
870 ms a page at 2,200 subjects): which records have a current signature or verification is
read by review.current, as the queue reads it, in a fixed number of indexed queries whatever
the data.

The navigation reads them through `cached` (one indexed query while they are current): per
site, stored in review.models.TaskCount with the audit chain's head and the site's SiteChange
token they were counted at. The chain moves at the commit of every audited write (any CRF,
subject, query, lock or verification); the review services give the site a new token in the
transaction of each change to what is counted, signatures included (review.services
.task_counts_moved). A count is recounted at the first page after any change, and after
MAX_AGE in any case.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery, UUIDField, Value
from django.db.models.functions import Coalesce

from review.current import SIGNATURES, VERIFICATIONS, Rows, content_type_of, mismatched, split
from review.models import RecordLock, SiteChange, TaskCount
from review.records import KINDS, CrfKind, all_kinds, form_name
from trial.assessments import Assessment, ExpectedForm
from trial.models import AuditChainHead, Site, Subject, Visit
from trial.replica import PRIMARY


def without_current(queryset: QuerySet, rows: Rows = SIGNATURES) -> int:
    """Records of `queryset` with no row (signature / verification) matching their content."""
    without_rows, _, to_hash = split(queryset, rows)
    return without_rows.count() + len(mismatched(to_hash, rows))


def with_current(queryset: QuerySet, rows: Rows = SIGNATURES) -> int:
    """Records of `queryset` whose latest row matches their content."""
    _, with_rows, to_hash = split(queryset, rows)
    return with_rows.count() - len(mismatched(to_hash, rows))


def review_count(subjects: QuerySet[Subject]) -> int:
    """The length of review.selectors.awaiting_review(subjects), counted (tested equal)."""
    subjects = subjects.filter(voided_at__isnull=True)
    total = 0
    for kind in all_kinds():
        if kind.other_task_count is not None:
            total += kind.other_task_count(subjects)
        if kind.to_sign is not None:
            total += without_current(kind.to_sign(subjects))
    return total


def _unlocked(queryset: QuerySet) -> QuerySet:
    """Records with no active lock of their own nor of their subject."""
    active = RecordLock.objects.filter(unlocked_at__isnull=True)
    own = active.filter(content_type=content_type_of(queryset.model), object_id=OuterRef("pk"))
    subject = active.filter(content_type=content_type_of(Subject), object_id=OuterRef("subject_id"))
    return queryset.exclude(Exists(own)).exclude(Exists(subject))


def lockable_count(subjects: QuerySet[Subject]) -> int:
    """Signed records (valid signature) not locked yet: a data manager's to lock."""
    subjects = subjects.filter(voided_at__isnull=True)
    return sum(
        with_current(_unlocked(kind.to_sign(subjects)))
        for kind in all_kinds()
        if kind.lockable and kind.to_sign is not None
    )


def to_verify_count(subjects: QuerySet[Subject]) -> int:
    """CRFs (a kind's to_verify rows) without a current whole-form source-data verification."""
    subjects = subjects.filter(voided_at__isnull=True)
    return sum(
        without_current(kind.to_verify(subjects), VERIFICATIONS)
        for kind in all_kinds()
        if kind.to_verify is not None
    )


# A stored count is recounted after this even if nothing moved the chain or the token.
MAX_AGE = timedelta(minutes=10)
NO_CHANGE = uuid.UUID(int=0)  # the token of a site the services never changed
COUNTS: dict[str, Callable[[QuerySet[Subject]], int]] = {
    "review": review_count,
    "to_verify": to_verify_count,
    "to_lock": lockable_count,
}


def cached(
    name: str,
    sites: QuerySet[Site],
    *,
    now: datetime,
    count: Callable[[QuerySet[Subject]], int] | None = None,
    day: date | None = None,
) -> int:
    """COUNTS[name] (or `count`) of the subjects of `sites`, the sum of each site's stored
    count: one indexed query when they are all current; a site whose count is not is counted
    again (on the primary database) and stored. `day`: the count depends on the date (what
    is owed on it), and a count stored for another day is not current."""
    count = count or COUNTS[name]
    head = Coalesce(Subquery(AuditChainHead.objects.filter(pk=1).values("last_seq")), Value(0))
    token = Coalesce(
        Subquery(SiteChange.objects.filter(site=OuterRef("pk")).values("token")),
        Value(NO_CHANGE, output_field=UUIDField()),
    )
    current = TaskCount.objects.filter(
        site=OuterRef("pk"),
        name=name,
        chain_seq=OuterRef("seq"),
        site_token=OuterRef("token"),
        counted_at__gte=now - MAX_AGE,
        day=day,
    ).values("count")
    # The marks are read before anything is counted: a change committed while counting
    # moves them past the stored ones, so its site is counted again at the next page.
    rows = list(
        Site.objects.using(PRIMARY)
        .filter(pk__in=sites.values("pk"))
        .annotate(seq=head, token=token)
        .annotate(stored=Subquery(current))
        .values_list("pk", "stored", "seq", "token")
    )
    total, counted = 0, []
    for site_id, stored, chain_seq, site_token in rows:
        if stored is None:
            with transaction.atomic(using=PRIMARY):  # never on a lagging replica
                stored = count(Subject.objects.filter(site_id=site_id))
            counted.append(
                TaskCount(
                    site_id=site_id,
                    name=name,
                    count=stored,
                    chain_seq=chain_seq,
                    site_token=site_token,
                    counted_at=now,
                    day=day,
                )
            )
        total += stored
    if counted:
        TaskCount.objects.using(PRIMARY).bulk_create(
            counted,
            update_conflicts=True,
            unique_fields=["site", "name"],
            update_fields=["count", "chain_seq", "site_token", "counted_at", "day"],
        )
    return total


@dataclass(frozen=True)
class MissingForm:
    """One form of the schedule of assessments, and the visits that owe it and lack it."""

    form: ExpectedForm
    kind: CrfKind
    visits: QuerySet[Visit]

    @property
    def name(self) -> str:
        return form_name(self.kind, self.form.panel)


def owing(visits: QuerySet[Visit], *, today: date) -> QuerySet[Visit]:
    """The visits of `visits` that owe their expected forms on `today`: performed, or past
    the day their window closed; never when not applicable or recorded missed, nor for a
    voided subject (trial.assessments.forms_owed, as a filter)."""
    return visits.filter(
        Q(completed_on__isnull=False) | Q(window_closes_on__lt=today),
        not_applicable=False,
        missed_reason="",
        subject__voided_at__isnull=True,
    )


def missing_forms(
    visits: QuerySet[Visit], assessments: tuple[Assessment, ...], *, today: date
) -> list[MissingForm]:
    """For each form the schedule expects: the visits of `visits` that owe it on `today` and
    have no live record of it (a voided one is none). A visit owes its forms once performed or
    from the day after its window closed, never when not applicable or recorded missed
    (trial.assessments.forms_owed, here as a filter; tests/followup hold both to the same
    boundaries). One queryset per form, whatever the number of visits."""
    owed = owing(visits, today=today)
    found = []
    for assessment in assessments:
        kind = KINDS.get(assessment.form.form)
        if kind is None or not kind.schedule_by:
            continue  # no longer registered: the loader refuses it on the next load
        records = kind.model.objects.all()
        if any(f.name == "voided_at" for f in kind.model._meta.concrete_fields):
            records = records.filter(voided_at__isnull=True)
        if kind.schedule_by == "subject":
            records = records.filter(subject_id=OuterRef("subject_id"))
        else:
            records = records.filter(visit_id=OuterRef("pk"))
        if assessment.form.panel:
            records = records.filter(**{kind.schedule_panel_field: assessment.form.panel})
        expecting = owed.filter(
            Q(code__in=assessment.visits) | Q(kind__in=assessment.visit_kinds)
        ).exclude(Exists(records))
        found.append(MissingForm(assessment.form, kind, expecting))
    return found
