"""What each role has to do now ("My tasks" and the counts in the navigation).

Every count is a fixed number of queries on indexed columns (review.task_counts for what
depends on signatures and verifications), scoped by the user's sites for that role; nothing
here builds a worklist or the review queue.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Count, Q
from django.urls import reverse

from adverse_events.models import AdverseEvent
from dosing.models import DosingRecord
from dosing.selectors import incomplete_doses
from review import task_counts
from review.models import Query, QueryStatus
from screening.models import EligibilityAssessment, EligibilityStatus
from trial.access import roles_of, sites_for
from trial.models import Role, Subject, SubjectStatus, User, Visit

DUE_HORIZON_DAYS = 7  # as the worklist and the daily digest
CLOCKS_SHOWN = 20


@dataclass(frozen=True)
class Task:
    key: str
    label: str
    count: int
    url: str


@dataclass(frozen=True)
class Clock:
    """An SAE (or SUSAR) report still to make, with the time left (negative: overdue)."""

    ae: AdverseEvent
    due_at: datetime
    left: timedelta

    @property
    def overdue(self) -> bool:
        return self.left < timedelta(0)

    @property
    def hours_left(self) -> int:
        """Whole hours left (0 in the last hour)."""
        return max(int(self.left.total_seconds() // 3600), 0)

    @property
    def hours_overdue(self) -> int:
        return max(int(-self.left.total_seconds() // 3600), 0)


@dataclass
class Section:
    role: str
    title: str
    tasks: list[Task] = field(default_factory=list)
    clocks: list[Clock] = field(default_factory=list)
    clock_title: str = ""

    @property
    def total(self) -> int:
        return sum(task.count for task in self.tasks)


def _subjects(user: User, role: str):
    return Subject.objects.filter(site__in=sites_for(user, role), voided_at__isnull=True)


def _queries(user: User, role: str, status: str) -> int:
    return Query.objects.filter(status=status, subject__in=_subjects(user, role)).count()


def _visits(user: User, today: date) -> dict[str, int]:
    return Visit.objects.filter(
        subject__in=_subjects(user, Role.COORDINATOR),
        completed_on__isnull=True,
        not_applicable=False,
        missed_reason="",
        window_opens_on__lte=today + timedelta(days=DUE_HORIZON_DAYS),
    ).aggregate(
        overdue=Count("id", filter=Q(window_closes_on__lt=today)),
        due=Count("id", filter=Q(window_closes_on__gte=today)),
    )


def _sae_clocks(subjects, now: datetime, *, show: bool) -> tuple[int, list[Clock]]:
    unsigned = AdverseEvent.objects.filter(
        subject__in=subjects, serious=True, voided_at__isnull=True, sae_reported_at__isnull=True
    )
    clocks = []
    if show:
        for ae in unsigned.select_related("subject", "term").order_by("sae_report_due_at")[
            :CLOCKS_SHOWN
        ]:
            clocks.append(Clock(ae, ae.sae_report_due_at, ae.sae_report_due_at - now))
    return unsigned.count(), clocks


def _susar_clocks(subjects, now: datetime, *, show: bool) -> tuple[int, list[Clock]]:
    # No SUSAR submission is recorded yet: the clocks of those aware in the last 30 days, as
    # the reminder scan follows them.
    susars = AdverseEvent.objects.filter(
        subject__in=subjects,
        susar=True,
        voided_at__isnull=True,
        susar_report_due_at__isnull=False,
        aware_at__gte=now - timedelta(days=30),
    )
    clocks = []
    if show:
        for ae in susars.select_related("subject", "term").order_by("susar_report_due_at")[
            :CLOCKS_SHOWN
        ]:
            clocks.append(Clock(ae, ae.susar_report_due_at, ae.susar_report_due_at - now))
    return susars.count(), clocks


def my_tasks(user: User, *, today: date, now: datetime, clocks: bool = False) -> list[Section]:
    """The sections of the roles the user holds, in a fixed order. `clocks`: also list the
    SAE/SUSAR clocks (the page; the navigation needs only the counts)."""
    roles = roles_of(user)
    sections = []
    queries = reverse("query_list")
    if Role.COORDINATOR in roles:
        visits = _visits(user, today)
        subjects = _subjects(user, Role.COORDINATOR)
        incomplete = (
            DosingRecord.objects.filter(incomplete_doses(), subject__in=subjects).count()
            + EligibilityAssessment.objects.filter(
                subject__in=subjects,
                status=EligibilityStatus.INCOMPLETE,
                subject__status=SubjectStatus.SCREENING,
            ).count()
        )
        sections.append(
            Section(
                Role.COORDINATOR,
                "Site coordinator",
                [
                    Task(
                        "queries_to_answer",
                        "Queries to answer",
                        _queries(user, Role.COORDINATOR, QueryStatus.OPEN),
                        f"{queries}?status=open",
                    ),
                    Task(
                        "visits_overdue", "Visits overdue", visits["overdue"], reverse("worklist")
                    ),
                    Task(
                        "visits_due",
                        f"Visits due within {DUE_HORIZON_DAYS} days",
                        visits["due"],
                        reverse("worklist"),
                    ),
                    Task(
                        "forms_incomplete",
                        "Forms incomplete",
                        incomplete,
                        reverse("subject_matrix"),
                    ),
                ],
            )
        )
    if Role.INVESTIGATOR in roles:
        subjects = _subjects(user, Role.INVESTIGATOR)
        saes, sae_clocks = _sae_clocks(subjects, now, show=clocks)
        sections.append(
            Section(
                Role.INVESTIGATOR,
                "Investigator",
                [
                    Task(
                        "review",
                        "Review queue (sign, assess, confirm)",
                        task_counts.review_count(subjects),
                        reverse("review_queue"),
                    ),
                    Task("sae_clocks", "SAE reports to sign", saes, reverse("sae_list")),
                ],
                sae_clocks,
                "SAE report clocks (24 hours from awareness)",
            )
        )
    if Role.MONITOR in roles:
        subjects = _subjects(user, Role.MONITOR)
        sections.append(
            Section(
                Role.MONITOR,
                "Monitor",
                [
                    Task(
                        "queries_to_close",
                        "Answered queries to close",
                        _queries(user, Role.MONITOR, QueryStatus.ANSWERED),
                        f"{queries}?status=answered",
                    ),
                    Task(
                        "forms_to_verify",
                        "Forms to source-verify (dosing CRFs and AEs)",
                        task_counts.to_verify_count(subjects),
                        reverse("subject_matrix"),
                    ),
                ],
            )
        )
    if Role.DATA_MANAGER in roles:
        subjects = _subjects(user, Role.DATA_MANAGER)
        sections.append(
            Section(
                Role.DATA_MANAGER,
                "Data manager",
                [
                    Task(
                        "records_to_lock",
                        "Signed records to lock",
                        task_counts.lockable_count(subjects),
                        reverse("subject_matrix"),
                    )
                ],
            )
        )
    if Role.SPONSOR_SAFETY in roles:
        subjects = _subjects(user, Role.SPONSOR_SAFETY)
        saes, sae_clocks = _sae_clocks(subjects, now, show=clocks)
        susars, susar_clocks = _susar_clocks(subjects, now, show=clocks)
        sections.append(
            Section(
                Role.SPONSOR_SAFETY,
                "Sponsor safety",
                [
                    Task("sae_clocks", "SAE reports awaited", saes, reverse("sae_list")),
                    Task("susar_clocks", "SUSAR reports due", susars, reverse("sae_list")),
                ],
                sae_clocks + susar_clocks,
                "SAE and SUSAR clocks",
            )
        )
    return sections
