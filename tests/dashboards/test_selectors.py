"""The dashboards' numbers against small trials built through the real services, by hand.

Dates follow tests/screening/factories.py: consent on CONSENTED, eligibility on ASSESSED,
enrollment on TODAY (2026-11-20) with C1D1 on PLANNED_C1D1 (2026-11-21).
"""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType

from adverse_events.services import ae_assess_causality, ae_decide_dlt
from dashboards import figures, selectors
from dispositions.models import DispositionKind
from dispositions.services import disposition_record
from review.models import Query
from review.visits import visit_complete, visit_mark_missed
from screening.services import eligibility_save, subject_screen_fail
from tests.adverse_events.factories import (
    FATIGUE,
    FEVER,
    LYMPHOCYTES_DECREASED,
    load_starter_dictionary,
    record_ae,
)
from tests.dosing.factories import dosed_subject, enrolled_subject, visit_of
from tests.screening.factories import (
    PLANNED_C1D1,
    TODAY,
    assessed_subject,
    at,
    consented_subject,
    eligible_values,
    register_subject,
)
from trial.models import Subject
from tumours import services as tumour

pytestmark = pytest.mark.django_db

# Ten days after C1D1: C1D2 (window closed on day 2) and C1D8 (closed on day 9) are overdue
# unless done or recorded missed; C1D15 is not due yet.
OVERVIEW_DAY = PLANNED_C1D1 + timedelta(days=10)
LATER = at(PLANNED_C1D1 + timedelta(days=3), 9)


def raise_query(subject, status):
    return Query.objects.create(
        subject=subject,
        content_type=ContentType.objects.get_for_model(Subject),
        object_id=subject.pk,
        text="Please check the source",
        origin="manual",
        status=status,
        raised_at=at(TODAY),
    )


def screen_fail(subject, by):
    return subject_screen_fail(subject=subject, by=by, reason="Not eligible")


@pytest.fixture
def trial(
    study,
    site_a,
    site_b,
    coordinator_a,
    investigator_a,
    coordinator_b,
    investigator_b,
):
    """Site A: enrolled and dosed (DLT), eligible, screen failed on IN3 + EX5, registered.
    Site B: enrolled not dosed, screen failed on IN3, screen failed before any eligibility CRF.
    """
    load_starter_dictionary()
    a_enrolled = dosed_subject(study, site_a, coordinator_a, investigator_a)
    a_eligible = assessed_subject(
        study=study, site=site_a, coordinator=coordinator_a, investigator=investigator_a
    )
    a_failed = consented_subject(study=study, site=site_a, by=coordinator_a, tumour_type="sts")
    eligibility_save(
        subject=a_failed,
        by=coordinator_a,
        values=eligible_values(ecog=3, active_hbv=True),
        today=TODAY,
    )
    screen_fail(a_failed, coordinator_a)
    register_subject(study=study, site=site_a, by=coordinator_a, tumour_type="hnscc")

    b_enrolled = enrolled_subject(study, site_b, coordinator_b, investigator_b)
    b_failed = assessed_subject(study=study, site=site_b, coordinator=coordinator_b, ecog=2)
    screen_fail(b_failed, coordinator_b)
    b_no_crf = consented_subject(study=study, site=site_b, by=coordinator_b, tumour_type="sts")
    screen_fail(b_no_crf, coordinator_b)

    Subject.objects.filter(pk=a_enrolled.pk).update(enrolled_at=at(date(2026, 10, 5)))
    Subject.objects.filter(pk=b_enrolled.pk).update(enrolled_at=at(TODAY))

    # Visits: A did C1D2 and missed C1D8 (overdue); B did not start (C1D1, C1D8 overdue) and
    # recorded C1D2 as missed, which is not "overdue".
    c1d2 = PLANNED_C1D1 + timedelta(days=1)
    visit_complete(visit=visit_of(a_enrolled, "C1D2"), by=coordinator_a, on=c1d2, today=c1d2)
    visit_mark_missed(visit=visit_of(b_enrolled, "C1D2"), by=coordinator_b, reason="Sick")

    for status in ("open", "open", "answered", "closed"):
        raise_query(a_enrolled, status)
    raise_query(b_enrolled, "open")

    # AEs: A fever g1 (possibly related), fatigue g2 (not related), lymphocytes g3 serious
    # (probably related, DLT); B fever g3 serious, causality not assessed yet.
    fever = record_ae(a_enrolled, coordinator_a, term=FEVER)
    fatigue = record_ae(a_enrolled, coordinator_a, term=FATIGUE, grade=2)
    lymphocytes = record_ae(
        a_enrolled,
        coordinator_a,
        term=LYMPHOCYTES_DECREASED,
        grade=3,
        serious=True,
        serious_criteria=["hospitalisation"],
    )
    for ae, relationship in (
        (fever, "possible"),
        (fatigue, "not_related"),
        (lymphocytes, "probable"),
    ):
        ae_assess_causality(
            ae=ae, by=investigator_a, relationship=relationship, expectedness="expected", now=LATER
        )
    lymphocytes.refresh_from_db()
    ae_decide_dlt(ae=lymphocytes, by=investigator_a, is_dlt=True, now=LATER)
    record_ae(
        b_enrolled,
        coordinator_b,
        term=FEVER,
        grade=3,
        serious=True,
        serious_criteria=["hospitalisation"],
    )
    return {"a_enrolled": a_enrolled, "a_eligible": a_eligible, "b_enrolled": b_enrolled}


# Study overview


def test_funnel_counts_every_site_for_a_monitor(trial, monitor):
    data = selectors.overview_for(monitor, today=OVERVIEW_DAY)

    assert data.all_sites
    assert data.funnel == selectors.Funnel(
        registered=7, screened=6, eligible=3, enrolled=2, screen_failed=3, in_screening=2
    )


def test_a_site_coordinators_overview_counts_only_their_site(trial, coordinator_a):
    data = selectors.overview_for(coordinator_a, today=OVERVIEW_DAY)

    assert not data.all_sites
    assert data.site_codes == ("FR01",)
    assert data.funnel == selectors.Funnel(
        registered=4, screened=3, eligible=2, enrolled=1, screen_failed=1, in_screening=2
    )
    assert [s.code for s in data.sites] == ["FR01"]
    assert data.enrollments == ((date(2026, 10, 5), 1),)


def test_screen_failures_are_counted_by_failed_criterion(trial, monitor, coordinator_b):
    everywhere = selectors.overview_for(monitor, today=OVERVIEW_DAY)
    site_b = selectors.overview_for(coordinator_b, today=OVERVIEW_DAY)

    assert [(c.code, c.subjects) for c in everywhere.screen_failure_criteria] == [
        ("IN3", 2),
        ("EX5", 1),
    ]
    assert everywhere.screen_failure_criteria[0].title == "ECOG performance status"
    assert everywhere.screen_failed_without_failed_criterion == 1
    assert [(c.code, c.subjects) for c in site_b.screen_failure_criteria] == [("IN3", 1)]
    assert site_b.screen_failed_without_failed_criterion == 1


def test_enrollment_is_counted_by_day_of_enrollment(trial, monitor):
    data = selectors.overview_for(monitor, today=OVERVIEW_DAY)

    assert data.enrollments == ((date(2026, 10, 5), 1), (TODAY, 1))
    assert data.target_enrollment == 24


def test_subjects_per_dose_level_with_dlts(trial, monitor, coordinator_b):
    levels = selectors.overview_for(monitor, today=OVERVIEW_DAY).dose_levels
    site_b = selectors.overview_for(coordinator_b, today=OVERVIEW_DAY).dose_levels

    assert [(r.code, r.dose, r.enrolled, r.with_dlt) for r in levels] == [
        ("DL1", "25 µg", 2, 1),
        ("DL2", "50 µg", 0, 0),
        ("DL3", "100 µg", 0, 0),
        ("DL4", "200 µg", 0, 0),
    ]
    assert (site_b[0].enrolled, site_b[0].with_dlt) == (1, 0)


def test_open_queries_and_overdue_visits_per_site(trial, monitor):
    rows = selectors.overview_for(monitor, today=OVERVIEW_DAY).sites

    assert [
        (r.code, r.enrolled, r.open_queries, r.answered_queries, r.overdue_visits) for r in rows
    ] == [
        ("CN01", 0, 0, 0, 0),
        ("FR01", 1, 2, 1, 1),  # C1D8
        ("FR02", 1, 1, 0, 2),  # C1D1 and C1D8; C1D2 recorded missed
    ]


def test_a_visit_is_overdue_only_after_its_window_closed(trial, monitor):
    # On C1D8's last day (target + 1) only B's C1D1 is overdue.
    rows = selectors.overview_for(monitor, today=PLANNED_C1D1 + timedelta(days=8)).sites

    assert [r.overdue_visits for r in rows] == [0, 0, 1]


# Safety


def test_safety_counts_every_ae_by_soc_and_worst_grade_for_a_monitor(trial, monitor):
    data = selectors.safety_for(monitor, today=OVERVIEW_DAY)

    assert not data.serious_only
    assert data.totals == selectors.SafetyTotals(
        events=4, subjects=2, serious=2, related=2, fatal=0, dlts=1
    )
    assert [(r.label, r.by_grade, r.subjects) for r in data.by_soc] == [
        ("General disorders and administration site conditions", (1, 1, 1, 0, 0), 2),
        ("Investigations", (0, 0, 1, 0, 0), 1),
    ]
    assert data.sae_by_month == (
        (date(2026, 11, 1), (0, 0, 2, 0, 0)),
        (date(2026, 12, 1), (0, 0, 0, 0, 0)),
    )
    assert [(r.label, r.by_grade) for r in data.by_relationship] == [
        ("Related", (1, 0, 1, 0, 0)),
        ("Not related", (0, 1, 0, 0, 0)),
        ("Not yet assessed", (0, 0, 1, 0, 0)),
    ]


def test_a_site_coordinators_safety_counts_only_their_site(trial, coordinator_a):
    data = selectors.safety_for(coordinator_a, today=OVERVIEW_DAY)

    assert data.totals == selectors.SafetyTotals(
        events=3, subjects=1, serious=1, related=2, fatal=0, dlts=1
    )
    assert [(r.label, r.by_grade) for r in data.by_soc] == [
        ("General disorders and administration site conditions", (1, 1, 0, 0, 0)),
        ("Investigations", (0, 0, 1, 0, 0)),
    ]


def test_sponsor_safety_counts_serious_events_only(trial, sponsor_safety):
    data = selectors.safety_for(sponsor_safety, today=OVERVIEW_DAY)

    assert data.serious_only
    assert (data.totals.events, data.totals.serious, data.totals.subjects) == (2, 2, 2)
    assert [(r.label, r.by_grade) for r in data.by_soc] == [
        ("General disorders and administration site conditions", (0, 0, 1, 0, 0)),
        ("Investigations", (0, 0, 1, 0, 0)),
    ]
    assert [r.total for r in data.by_relationship] == [1, 0, 1]


def test_a_voided_subjects_events_are_not_counted(trial, monitor):
    Subject.objects.filter(pk=trial["b_enrolled"].pk).update(voided_at=at(TODAY))

    data = selectors.safety_for(monitor, today=OVERVIEW_DAY)

    assert (data.totals.events, data.totals.subjects) == (3, 1)
    assert selectors.overview_for(monitor, today=OVERVIEW_DAY).funnel.enrolled == 1


# Oncology: swimmer and waterfall data

FOLLOW_UP_DAY = PLANNED_C1D1 + timedelta(days=42)
EOT_DAY = PLANNED_C1D1 + timedelta(days=45)
ONCOLOGY_DAY = PLANNED_C1D1 + timedelta(days=50)
LESIONS = [
    {"lesion_id": "T1", "organ": "Lung", "is_lymph_node": False, "diameter_mm": Decimal(30)},
    {"lesion_id": "T2", "organ": "Liver", "is_lymph_node": False, "diameter_mm": Decimal(20)},
]


def assess_tumour(subject, by, *, t1, t2):
    tumour.baseline_record(
        subject=subject,
        by=by,
        assessment_date=TODAY,
        lesions=LESIONS,
        non_target="non_cr_non_pd",
        today=TODAY,
    )
    return tumour.follow_up_record(
        subject=subject,
        by=by,
        assessment_date=FOLLOW_UP_DAY,
        diameters={"T1": Decimal(t1), "T2": Decimal(t2)},
        non_target="non_cr_non_pd",
        new_lesions=False,
        today=FOLLOW_UP_DAY,
    )


@pytest.fixture
def courses(study, site_a, site_b, coordinator_a, investigator_a, coordinator_b, investigator_b):
    """Site A: one subject with PD at day 42 (then end of treatment, an SAE that is a DLT)
    and one never assessed; site B: one with a PR."""
    load_starter_dictionary()
    progressed = dosed_subject(study, site_a, coordinator_a, investigator_a)
    never_assessed = dosed_subject(study, site_a, coordinator_a, investigator_a)
    responder = dosed_subject(study, site_b, coordinator_b, investigator_b)
    # 30 + 20 = 50 mm at baseline; 40 + 25 = 65 mm is +30%: PD. 18 + 12 = 30 mm is -40%: PR.
    assert assess_tumour(progressed, coordinator_a, t1=40, t2=25).response == "pd"
    assert assess_tumour(responder, coordinator_b, t1=18, t2=12).response == "pr"
    disposition_record(
        kind=DispositionKind.END_OF_TREATMENT,
        subject=progressed,
        by=coordinator_a,
        on=EOT_DAY,
        reason="Progression",
        today=EOT_DAY,
    )
    sae = record_ae(
        progressed,
        coordinator_a,
        term=LYMPHOCYTES_DECREASED,
        grade=3,
        serious=True,
        serious_criteria=["hospitalisation"],
    )
    ae_assess_causality(
        ae=sae, by=investigator_a, relationship="probable", expectedness="expected", now=LATER
    )
    sae.refresh_from_db()
    ae_decide_dlt(ae=sae, by=investigator_a, is_dlt=True, now=LATER)
    return {"pd": progressed, "none": never_assessed, "pr": responder}


def course_of(data, subject):
    return next(c for c in data.courses if c.subject_id == subject.pk)


def test_the_course_of_a_subject_with_progressive_disease(courses, monitor):
    data = selectors.oncology_for(monitor, today=ONCOLOGY_DAY)
    course = course_of(data, courses["pd"])

    assert course.first_dose == course.last_dose == PLANNED_C1D1
    assert course.doses_given == 1
    assert course.end_of_treatment == EOT_DAY
    assert course.off_study is None
    assert course.time_points == (selectors.TimePoint(FOLLOW_UP_DAY, "pd", Decimal("30.0")),)
    assert course.best_response == "pd"
    assert course.best_change_pct == Decimal("30.0")
    assert course.sae_onsets == course.dlt_onsets == (PLANNED_C1D1 + timedelta(days=2),)


def test_the_pd_subject_has_a_red_waterfall_bar_and_a_swimmer_bar_to_today(courses, monitor):
    data = selectors.oncology_for(monitor, today=ONCOLOGY_DAY)
    course = course_of(data, courses["pd"])

    bar = figures.waterfall_bar(course)
    lane = figures.swimmer_lane(course, today=ONCOLOGY_DAY)

    assert (bar.pct, bar.category) == (30.0, "pd")
    assert (lane.treatment_end_day, lane.end_day, lane.ongoing) == (45, 50, True)
    assert sorted((m.kind, m.day) for m in lane.markers) == [
        ("dlt", 2),
        ("eot", 45),
        ("pd", 42),
        ("sae", 2),
    ]


def test_a_subject_without_tumour_assessment_is_in_the_swimmer_not_the_waterfall(courses, monitor):
    data = selectors.oncology_for(monitor, today=ONCOLOGY_DAY)
    course = course_of(data, courses["none"])

    assert (course.time_points, course.best_response, course.best_change_pct) == ((), None, None)
    assert figures.waterfall_bar(course) is None
    lane = figures.swimmer_lane(course, today=ONCOLOGY_DAY)
    assert (lane.treatment_end_day, lane.end_day, lane.ongoing, lane.markers) == (
        50,
        50,
        True,
        (),
    )

    swimmer, waterfall = figures.oncology_figures(data)
    label = courses["none"].subject_number
    assert [row[0] for row in swimmer.table.rows].count(label) == 1
    assert label not in [row[0] for row in waterfall.table.rows]
    assert any(label in note for note in waterfall.notes)


def test_the_waterfall_is_sorted_from_growth_to_shrinkage(courses, monitor):
    data = selectors.oncology_for(monitor, today=ONCOLOGY_DAY)

    _swimmer, waterfall = figures.oncology_figures(data)

    assert [row[1:4] for row in waterfall.table.rows] == [
        ("DL1", "+30.0", "PD"),
        ("DL1", "-40.0", "PR"),
    ]


def test_a_site_coordinators_oncology_shows_only_their_subjects(courses, coordinator_b):
    data = selectors.oncology_for(coordinator_b, today=ONCOLOGY_DAY)

    assert [c.subject_id for c in data.courses] == [courses["pr"].pk]
    assert data.courses[0].best_response == "pr"
    assert data.courses[0].sae_onsets == ()
