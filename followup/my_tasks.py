"""What each role has to do now ("My tasks" and the counts in the navigation).

Every count is a fixed number of queries on indexed columns, scoped by the user's sites for
that role; what depends on signatures and verifications (review.task_counts) is read from each
site's stored count while it is current (one indexed query). Nothing here builds a worklist or
the review queue.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Exists, IntegerField, Q, Subquery
from django.urls import reverse
from django.utils.timezone import localdate

from adverse_events.models import AdverseEvent
from dosing.models import DosingRecord
from dosing.selectors import incomplete_doses
from followup.models import Notification
from review import task_counts
from review.models import Query, QueryStatus
from screening.models import EligibilityAssessment, EligibilityStatus
from trial.access import roles_of
from trial.models import Membership, Role, Site, Study, Subject, SubjectStatus, User, Visit
from trial.study import current_study_or_none

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
    """The user's subjects for `role`, as one subquery (no query of its own): its sites, or
    every site for a membership without one (trial.access.sites_for says the same)."""
    memberships = Membership.objects.filter(user=user, role=role)
    return Subject.objects.filter(
        Q(site__in=memberships.filter(site__isnull=False).values("site_id"))
        | Q(Exists(memberships.filter(site__isnull=True))),
        voided_at__isnull=True,
    )


def _sites(user: User, role: str):
    """The user's sites for `role` (every site for a membership without one), as a subquery."""
    memberships = Membership.objects.filter(user=user, role=role)
    return Site.objects.filter(
        Q(pk__in=memberships.filter(site__isnull=False).values("site_id"))
        | Q(Exists(memberships.filter(site__isnull=True)))
    )


def _queries(subjects, status: str) -> int:
    return Query.objects.filter(status=status, subject__in=subjects).count()


class _CountOf(Subquery):
    """COUNT(*) of a queryset, as a scalar subquery."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) AS counted)"
    output_field = IntegerField()


def _one_row(anchor, **querysets) -> dict[str, int]:
    """Several counts in one query (each a scalar subquery on indexed columns), on the one
    row of `anchor`."""
    annotations = {name: _CountOf(qs.order_by().values("pk")) for name, qs in querysets.items()}
    return anchor.annotate(**annotations).values(*annotations).get()


def _counts(user: User, **querysets) -> dict[str, int]:
    return _one_row(User.objects.filter(pk=user.pk), **querysets)


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


class MyTasks(list):
    """The sections (a list), and `extra`: the counts of the querysets the caller added."""

    extra: dict[str, int]


def forms_incomplete(subjects, *, today: date) -> int:
    """Forms saved but incomplete (doses, eligibility), and forms the schedule expects that
    are owed on `today` and not entered: in one query, whatever the number of forms."""
    study = current_study_or_none()
    if study is None:
        return 0
    subjects = subjects.filter(voided_at__isnull=True)
    missing = {
        f"missing_{n}": form.visits
        for n, form in enumerate(
            task_counts.missing_forms(
                Visit.objects.filter(subject__in=subjects),
                study.schedule_of_assessments(),
                today=today,
            )
        )
    }
    counted = _one_row(
        Study.objects.filter(pk=study.pk),
        doses=DosingRecord.objects.filter(
            incomplete_doses(), subject__in=subjects, voided_at__isnull=True
        ),
        eligibility=EligibilityAssessment.objects.filter(
            subject__in=subjects,
            status=EligibilityStatus.INCOMPLETE,
            subject__status=SubjectStatus.SCREENING,
        ),
        **missing,
    )
    return sum(counted.values())


def my_tasks(
    user: User, *, today: date, now: datetime, clocks: bool = False, extra=None
) -> MyTasks:
    """The sections of the roles the user holds, in a fixed order. `clocks`: also list the
    SAE/SUSAR clocks (the page; the navigation needs only the counts). `extra`: more counts
    ({name: queryset}, the navigation's unread notifications) made in the same query as the
    coordinator's, or in one of their own."""
    roles = roles_of(user)
    sections = MyTasks()
    extra = dict(extra or {})
    sections.extra = {}
    if extra and Role.COORDINATOR not in roles:
        sections.extra = _counts(user, **extra)
    queries = reverse("query_list")
    if Role.COORDINATOR in roles:
        subjects = _subjects(user, Role.COORDINATOR)
        open_visits = Visit.objects.filter(
            subject__in=subjects,
            completed_on__isnull=True,
            not_applicable=False,
            missed_reason="",
            window_opens_on__lte=today + timedelta(days=DUE_HORIZON_DAYS),
        )
        # The coordinator's badge is on every page they open: its counts in one query, and
        # the forms incomplete (which scan every visit of the site) stored per site and day.
        counted = _counts(
            user,
            queries=Query.objects.filter(status=QueryStatus.OPEN, subject__in=subjects),
            overdue=open_visits.filter(window_closes_on__lt=today),
            due=open_visits.filter(window_closes_on__gte=today),
            **extra,
        )
        sections.extra = {name: counted[name] for name in extra}
        visits = {"overdue": counted["overdue"], "due": counted["due"]}
        incomplete = task_counts.cached(
            "forms_incomplete",
            _sites(user, Role.COORDINATOR),
            now=now,
            count=lambda site_subjects: forms_incomplete(site_subjects, today=today),
            day=today,
        )
        sections.append(
            Section(
                Role.COORDINATOR,
                "Site coordinator",
                [
                    Task(
                        "queries_to_answer",
                        "Queries to answer",
                        counted["queries"],
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
                        task_counts.cached("review", _sites(user, Role.INVESTIGATOR), now=now),
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
                        _queries(subjects, QueryStatus.ANSWERED),
                        f"{queries}?status=answered",
                    ),
                    Task(
                        "forms_to_verify",
                        "Forms to source-verify (dosing CRFs and AEs)",
                        task_counts.cached("to_verify", _sites(user, Role.MONITOR), now=now),
                        reverse("subject_matrix"),
                    ),
                ],
            )
        )
    if Role.DATA_MANAGER in roles:
        sections.append(
            Section(
                Role.DATA_MANAGER,
                "Data manager",
                [
                    Task(
                        "records_to_lock",
                        "Signed records to lock",
                        task_counts.cached("to_lock", _sites(user, Role.DATA_MANAGER), now=now),
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


def navigation_tasks(user, *, now, clocks: bool = False):
    """The user's tasks with the unread notifications counted in the same query: what the
    navigation shows, and the My tasks page (with the SAE clocks)."""
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    return my_tasks(user, today=localdate(now), now=now, clocks=clocks, extra={"unread": unread})
