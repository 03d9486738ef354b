"""Reads for the study dashboards, scoped by trial.access and the AE selectors.

Counts are grouped in the database (values / annotate / Count), so each page runs the same
small number of queries whatever the number of subjects. The oncology plots need one mark per
subject: their rows are read in one query per kind of row (doses, dispositions, tumour
assessments, SAEs and DLTs) and put together in Python, never one query per subject.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncDate, TruncMonth

from adverse_events.models import AdverseEvent
from adverse_events.selectors import RELATED, adverse_events_for, saes_for
from dispositions.models import ENDS_PARTICIPATION, Disposition, DispositionKind
from dosing.models import DosingRecord
from labs.selectors import lab_results_for, shift_rows
from labs.shift import TestShift, shift_table
from review.models import Query, QueryStatus
from screening.eligibility import CRITERIA
from screening.models import EligibilityAssessment
from screening.selectors import Funnel, screening_funnel
from trial.access import can, sites_for, subjects_for
from trial.capabilities import Capability
from trial.models import DoseLevel, Site, Study, Subject, SubjectStatus, User, Visit
from trial.study import current_study_or_none
from tumours import recist
from tumours.models import TumourAssessment

GRADES = (1, 2, 3, 4, 5)
# The dispositions that take a subject off study; the earliest one ends the swimmer bar.
OFF_STUDY = ENDS_PARTICIPATION


# --- study overview ------------------------------------------------------------------------


@dataclass(frozen=True)
class CriterionCount:
    code: str
    title: str
    subjects: int


@dataclass(frozen=True)
class DoseLevelRow:
    code: str
    dose: str
    enrolled: int
    with_dlt: int


@dataclass(frozen=True)
class SiteRow:
    code: str
    name: str
    enrolled: int
    open_queries: int
    answered_queries: int
    overdue_visits: int


@dataclass(frozen=True)
class Overview:
    today: date
    target_enrollment: int
    all_sites: bool
    site_codes: tuple[str, ...]
    enrollments: tuple[tuple[date, int], ...]  # (day, subjects enrolled that day)
    funnel: Funnel
    screen_failure_criteria: tuple[CriterionCount, ...]  # most frequent first, zeros left out
    screen_failed_without_failed_criterion: int
    dose_levels: tuple[DoseLevelRow, ...]
    sites: tuple[SiteRow, ...]


def _study() -> Study | None:
    return current_study_or_none()


def _sites(user: User) -> tuple[list[Site], bool]:
    """The user's sites, and whether these are all the sites."""
    sites = list(sites_for(user).order_by("code"))
    return sites, bool(sites) and len(sites) == Site.objects.count()


def _scope(user: User) -> tuple[QuerySet[Subject], list[Site], bool]:
    """The user's active subjects, their sites and whether these are all the sites."""
    sites, all_sites = _sites(user)
    return subjects_for(user).active(), sites, all_sites


def overview_for(user: User, *, today: date) -> Overview:
    subjects, sites, all_sites = _scope(user)
    study = _study()
    funnel = screening_funnel(subjects)
    return Overview(
        today=today,
        target_enrollment=study.target_enrollment if study else 0,
        all_sites=all_sites,
        site_codes=tuple(s.code for s in sites),
        enrollments=enrollments_by_day(subjects),
        funnel=funnel,
        **screen_failure_criteria(subjects, screen_failed=funnel.screen_failed),
        dose_levels=dose_level_rows(subjects, study),
        sites=site_rows(subjects, sites, today=today),
    )


def enrollments_by_day(subjects: QuerySet[Subject]) -> tuple[tuple[date, int], ...]:
    rows = (
        subjects.filter(enrolled_at__isnull=False)
        .annotate(day=TruncDate("enrolled_at"))
        .values("day")
        .annotate(n=Count("id"))
        .order_by("day")
    )
    return tuple((row["day"], row["n"]) for row in rows)


def screen_failure_criteria(subjects: QuerySet[Subject], *, screen_failed: int) -> dict:
    """How many of the `screen_failed` subjects failed each criterion (one may fail several);
    those screen failed without a failed criterion (no CRF, or none failed) are counted apart.
    """
    failed = subjects.filter(status=SubjectStatus.SCREEN_FAILED)
    counts = EligibilityAssessment.objects.filter(subject__in=failed).aggregate(
        any_failed=Count("id", filter=Q(findings__contains=[{"outcome": "failed"}])),
        **{
            criterion.code: Count(
                "id", filter=Q(findings__contains=[{"code": criterion.code, "outcome": "failed"}])
            )
            for criterion in CRITERIA
        },
    )
    by_criterion = [
        CriterionCount(c.code, c.title, counts[c.code]) for c in CRITERIA if counts[c.code]
    ]
    by_criterion.sort(key=lambda c: -c.subjects)  # stable: protocol order among equals
    return {
        "screen_failure_criteria": tuple(by_criterion),
        "screen_failed_without_failed_criterion": screen_failed - counts["any_failed"],
    }


def dose_level_rows(subjects: QuerySet[Subject], study: Study | None) -> tuple[DoseLevelRow, ...]:
    if study is None:
        return ()
    counts = {
        row["dose_level_id"]: row
        for row in subjects.filter(dose_level__isnull=False)
        .values("dose_level_id")
        .annotate(enrolled=Count("id"), with_dlt=Count("id", filter=Q(dlt=True)))
    }
    return tuple(
        DoseLevelRow(
            code=level.code,
            dose=f"{level.dose_amount.normalize():f} {level.dose_unit}",
            enrolled=counts.get(level.pk, {}).get("enrolled", 0),
            with_dlt=counts.get(level.pk, {}).get("with_dlt", 0),
        )
        for level in DoseLevel.objects.filter(study=study).order_by("order")
    )


def site_rows(subjects: QuerySet[Subject], sites: list, *, today: date) -> tuple[SiteRow, ...]:
    enrolled = dict(
        subjects.filter(enrolled_at__isnull=False)
        .values("site_id")
        .annotate(n=Count("id"))
        .values_list("site_id", "n")
    )
    queries: dict[tuple[int, str], int] = {
        (row["subject__site_id"], row["status"]): row["n"]
        for row in Query.objects.filter(
            subject__in=subjects, status__in=[QueryStatus.OPEN, QueryStatus.ANSWERED]
        )
        .values("subject__site_id", "status")
        .annotate(n=Count("id"))
    }
    overdue = dict(
        overdue_visits(subjects, today=today)
        .values("subject__site_id")
        .annotate(n=Count("id"))
        .values_list("subject__site_id", "n")
    )
    return tuple(
        SiteRow(
            code=site.code,
            name=site.name,
            enrolled=enrolled.get(site.pk, 0),
            open_queries=queries.get((site.pk, QueryStatus.OPEN), 0),
            answered_queries=queries.get((site.pk, QueryStatus.ANSWERED), 0),
            overdue_visits=overdue.get(site.pk, 0),
        )
        for site in sites
    )


def overdue_visits(subjects: QuerySet[Subject], *, today: date) -> QuerySet[Visit]:
    """Visits whose window closed before today, neither done, recorded missed nor n/a."""
    return Visit.objects.filter(
        subject__in=subjects,
        window_closes_on__lt=today,
        completed_on__isnull=True,
        missed_reason="",
        not_applicable=False,
    )


# --- safety --------------------------------------------------------------------------------


@dataclass(frozen=True)
class GradedRow:
    """A label with the number of AEs at each worst grade 1..5."""

    label: str
    by_grade: tuple[int, int, int, int, int]
    subjects: int | None = None

    @property
    def total(self) -> int:
        return sum(self.by_grade)


@dataclass(frozen=True)
class SafetyTotals:
    events: int
    subjects: int
    serious: int
    related: int
    fatal: int
    dlts: int


@dataclass(frozen=True)
class Safety:
    today: date
    serious_only: bool  # the user reads SAEs only (sponsor safety)
    all_sites: bool
    totals: SafetyTotals
    by_soc: tuple[GradedRow, ...]  # most events first
    sae_by_month: tuple[tuple[date, tuple[int, ...]], ...]  # first of month, by grade
    by_relationship: tuple[GradedRow, ...]  # related, not related, not yet assessed
    product: str = "the study drug"  # [study] product of the study file
    # Lab results are read by every role of a site (docs/labs.md), sponsor safety included.
    lab_shifts: tuple[TestShift, ...] = ()  # baseline x worst post-baseline grade per test


def safety_events_for(user: User) -> QuerySet[AdverseEvent]:
    """The AEs the user may read: the whole log where they read AEs, SAEs where they read
    SAEs (sponsor safety), never a voided AE or an AE of a voided subject."""
    readable = adverse_events_for(user) | saes_for(user)
    return readable.filter(voided_at__isnull=True, subject__voided_at__isnull=True)


def _by_grade(counts: dict[int, int]) -> tuple[int, int, int, int, int]:
    return tuple(counts.get(g, 0) for g in GRADES)  # type: ignore[return-value]


def safety_for(user: User, *, today: date) -> Safety:
    events = safety_events_for(user)
    _site_list, all_sites = _sites(user)
    totals = events.aggregate(
        events=Count("id"),
        subjects=Count("subject", distinct=True),
        serious=Count("id", filter=Q(serious=True)),
        related=Count("id", filter=Q(relationship__in=RELATED)),
        fatal=Count("id", filter=Q(worst_grade=5)),
        dlts=Count("id", filter=Q(dlt=True)),
    )
    return Safety(
        today=today,
        serious_only=not can(user, Capability.READ_AES),
        all_sites=all_sites,
        totals=SafetyTotals(**totals),
        by_soc=events_by_soc(events),
        sae_by_month=saes_by_month(events, today=today),
        by_relationship=events_by_relationship(events),
        product=study.product if (study := _study()) else Safety.product,
        lab_shifts=shift_table(shift_rows(lab_results_for(user))),
    )


def events_by_soc(events: QuerySet[AdverseEvent]) -> tuple[GradedRow, ...]:
    grid: dict[str, dict[int, int]] = defaultdict(dict)
    for row in events.values("recorded_soc", "worst_grade").annotate(n=Count("id")):
        grid[row["recorded_soc"]][row["worst_grade"]] = row["n"]
    subjects = dict(
        events.values("recorded_soc")
        .annotate(n=Count("subject", distinct=True))
        .values_list("recorded_soc", "n")
    )
    rows = [GradedRow(soc, _by_grade(grades), subjects.get(soc, 0)) for soc, grades in grid.items()]
    rows.sort(key=lambda r: (-r.total, -r.by_grade[4], -r.by_grade[3], r.label))
    return tuple(rows)


def saes_by_month(events: QuerySet[AdverseEvent], *, today: date):
    grid: dict[date, dict[int, int]] = defaultdict(dict)
    for row in (
        events.filter(serious=True)
        .annotate(month=TruncMonth("onset_date"))
        .values("month", "worst_grade")
        .annotate(n=Count("id"))
    ):
        grid[row["month"]][row["worst_grade"]] = row["n"]
    if not grid:
        return ()
    months = []
    month = min(grid)
    last = max(max(grid), date(today.year, today.month, 1))
    while month <= last:
        months.append((month, _by_grade(grid.get(month, {}))))
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return tuple(months)


RELATIONSHIP_GROUPS = (
    ("Related", "related"),
    ("Not related", "not_related"),
    ("Not yet assessed", "pending"),
)


def events_by_relationship(events: QuerySet[AdverseEvent]) -> tuple[GradedRow, ...]:
    grid: dict[str, dict[int, int]] = {key: {} for _label, key in RELATIONSHIP_GROUPS}
    for row in events.values("relationship", "worst_grade").annotate(n=Count("id")):
        if row["relationship"] in RELATED:
            key = "related"
        elif row["relationship"]:
            key = "not_related"
        else:
            key = "pending"
        grades = grid[key]
        grades[row["worst_grade"]] = grades.get(row["worst_grade"], 0) + row["n"]
    return tuple(GradedRow(label, _by_grade(grid[key])) for label, key in RELATIONSHIP_GROUPS)


# --- oncology ------------------------------------------------------------------------------


@dataclass(frozen=True)
class TimePoint:
    """One follow-up tumour assessment: its RECIST response and % change from baseline."""

    assessed_on: date
    response: str  # "" when not computed
    change_pct: Decimal | None


@dataclass(frozen=True)
class SubjectCourse:
    """An enrolled subject's course for the swimmer and waterfall plots."""

    subject_id: int
    label: str
    site_code: str
    dose_level: str
    status: str
    dlt: bool
    first_dose: date | None
    last_dose: date | None
    doses_given: int
    end_of_treatment: date | None
    off_study: date | None
    off_study_kind: str
    time_points: tuple[TimePoint, ...]
    best_response: str | None
    best_change_pct: Decimal | None
    sae_onsets: tuple[date, ...]
    dlt_onsets: tuple[date, ...]

    @property
    def treatment_end(self) -> date | None:
        """End of treatment, else the day the subject went off study, else None (ongoing)."""
        return self.end_of_treatment or self.off_study

    @property
    def death(self) -> date | None:
        return self.off_study if self.off_study_kind == DispositionKind.DEATH else None


@dataclass(frozen=True)
class Oncology:
    today: date
    all_sites: bool
    dose_levels: tuple[str, ...]
    courses: tuple[SubjectCourse, ...]  # enrolled subjects, dosed or not

    @property
    def dosed(self) -> tuple[SubjectCourse, ...]:
        return tuple(c for c in self.courses if c.first_dose is not None)

    @property
    def not_dosed(self) -> tuple[SubjectCourse, ...]:
        return tuple(c for c in self.courses if c.first_dose is None)


def oncology_for(user: User, *, today: date) -> Oncology:
    subjects, _sites, all_sites = _scope(user)
    study = _study()
    levels = DoseLevel.objects.filter(study=study).order_by("order")
    return Oncology(
        today=today,
        all_sites=all_sites,
        dose_levels=tuple(levels.values_list("code", flat=True)),
        courses=subject_courses(subjects.filter(enrolled_at__isnull=False), user),
    )


def subject_courses(enrolled: QuerySet[Subject], user: User) -> tuple[SubjectCourse, ...]:
    """One course per enrolled subject, from five queries whatever their number."""
    subjects = list(
        enrolled.values(
            "id",
            "subject_number",
            "screening_number",
            "site__code",
            "dose_level__code",
            "status",
            "dlt",
            "first_dose_on",
            "last_dose_on",
        ).order_by("subject_number")
    )
    given = dict(
        DosingRecord.objects.filter(
            subject__in=enrolled, administered_on__isnull=False, voided_at__isnull=True
        )
        .values("subject_id")
        .annotate(given=Count("id"))
        .values_list("subject_id", "given")
    )
    dispositions: dict[int, dict[str, date]] = defaultdict(dict)
    for subject_id, kind, on in Disposition.objects.filter(
        subject__in=enrolled, voided_at__isnull=True
    ).values_list("subject_id", "kind", "event_date"):
        dispositions[subject_id][kind] = on
    points: dict[int, list[TimePoint]] = defaultdict(list)
    for subject_id, on, response, pct in (
        TumourAssessment.objects.filter(
            subject__in=enrolled, is_baseline=False, voided_at__isnull=True
        )
        .order_by("subject_id", "assessment_date")
        .values_list("subject_id", "assessment_date", "response", "change_from_baseline_pct")
    ):
        points[subject_id].append(TimePoint(on, response, pct))
    saes: dict[int, list[date]] = defaultdict(list)
    dlts: dict[int, list[date]] = defaultdict(list)
    for subject_id, onset, serious, dlt in (
        safety_events_for(user)
        .filter(subject__in=enrolled)
        .filter(Q(serious=True) | Q(dlt=True))
        .order_by("onset_date")
        .values_list("subject_id", "onset_date", "serious", "dlt")
    ):
        if serious:
            saes[subject_id].append(onset)
        if dlt:
            dlts[subject_id].append(onset)

    courses = []
    for row in subjects:
        sid = row["id"]
        first = row["first_dose_on"]
        events = dispositions.get(sid, {})
        exits = sorted((events[k], k) for k in OFF_STUDY if k in events)
        time_points = tuple(points.get(sid, ()))
        courses.append(
            SubjectCourse(
                subject_id=sid,
                label=row["subject_number"] or row["screening_number"],
                site_code=row["site__code"],
                dose_level=row["dose_level__code"] or "",
                status=row["status"],
                dlt=row["dlt"],
                first_dose=first,
                last_dose=row["last_dose_on"],
                doses_given=given.get(sid, 0),
                end_of_treatment=events.get(DispositionKind.END_OF_TREATMENT),
                off_study=exits[0][0] if exits else None,
                off_study_kind=exits[0][1] if exits else "",
                time_points=time_points,
                best_response=best_response(time_points, first_dose=first),
                best_change_pct=best_change(time_points),
                sae_onsets=tuple(saes.get(sid, ())),
                dlt_onsets=tuple(dlts.get(sid, ())),
            )
        )
    return tuple(courses)


def best_response(time_points, *, first_dose: date | None) -> str | None:
    """RECIST 1.1 best overall response (unconfirmed): tumours.recist's, as on the subject page."""
    best = recist.best_response_on_treatment(
        ((p.assessed_on, p.response) for p in time_points), first_dose=first_dose
    )
    return best.value if best else None


def best_change(time_points) -> Decimal | None:
    """The waterfall's value: the smallest % change from baseline (the deepest shrinkage)."""
    changes = [p.change_pct for p in time_points if p.change_pct is not None]
    return min(changes) if changes else None
