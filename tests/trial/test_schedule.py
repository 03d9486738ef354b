"""Visit schedule and windows (trial/schedule.py), without a database.

Expected dates are worked out by hand from the brief, not recomputed with the code under test.
"""

from dataclasses import replace
from datetime import date

import pytest

from trial.schedule import (
    Anchor,
    PlannedVisit,
    VisitDefinition,
    VisitKind,
    VisitStatus,
    add_months,
    followup_window_closes_on,
    plan_visits,
    reanchor_on_last_dose,
    standard_definitions,
    study_day,
    visit_status,
    window_deviation,
)

BRIEF_NUMBERS = dict(
    cycle_length_days=21,
    max_cycles=6,
    safety_days=(2, 8, 15),
    safety_window_days={2: 0, 8: 1, 15: 2},
    dosing_window_days=3,
    eot_within_days=30,
    followup_months=(1, 3, 6, 9, 12),
    followup_window_days=14,
    screening_days=28,
)
STANDARD = standard_definitions(**BRIEF_NUMBERS)
C1D1 = date(2026, 1, 15)
# Early stop: the last dose is C2D1, given on its target date.
EARLY_LAST_DOSE = date(2026, 2, 5)


def by_code(visits: list[PlannedVisit]) -> dict[str, PlannedVisit]:
    return {v.code: v for v in visits}


def standard_plan(**kwargs) -> dict[str, PlannedVisit]:
    return by_code(plan_visits(STANDARD, first_dose=C1D1, **kwargs))


def c2d1() -> PlannedVisit:
    # Window 2026-02-02 .. 2026-02-08 (target 2026-02-05, +/- 3 days).
    return standard_plan()["C2D1"]


# --- the standard plan ----------------------------------------------------------------------


def test_standard_plan_has_sixteen_visits_in_protocol_order():
    codes = [v.code for v in plan_visits(STANDARD, first_dose=C1D1)]

    assert codes == [
        "SCR",
        "C1D1",
        "C1D2",
        "C1D8",
        "C1D15",
        "C2D1",
        "C3D1",
        "C4D1",
        "C5D1",
        "C6D1",
        "EOT",
        "FU1M",
        "FU3M",
        "FU6M",
        "FU9M",
        "FU12M",
    ]


@pytest.mark.parametrize(
    ("code", "target", "opens", "closes"),
    [
        ("SCR", date(2025, 12, 18), date(2025, 12, 18), date(2026, 1, 14)),
        ("C1D1", date(2026, 1, 15), date(2026, 1, 15), date(2026, 1, 15)),
        ("C1D2", date(2026, 1, 16), date(2026, 1, 16), date(2026, 1, 16)),
        ("C1D8", date(2026, 1, 22), date(2026, 1, 21), date(2026, 1, 23)),
        ("C1D15", date(2026, 1, 29), date(2026, 1, 27), date(2026, 1, 31)),
        ("C2D1", date(2026, 2, 5), date(2026, 2, 2), date(2026, 2, 8)),
        ("C6D1", date(2026, 4, 30), date(2026, 4, 27), date(2026, 5, 3)),
        # Projected last dose = C6D1 (2026-04-30); EOT target is the 30-day deadline.
        ("EOT", date(2026, 5, 30), date(2026, 4, 30), date(2026, 5, 30)),
        ("FU1M", date(2026, 5, 30), date(2026, 5, 16), date(2026, 6, 13)),
        ("FU12M", date(2027, 4, 30), date(2027, 4, 16), date(2027, 5, 14)),
    ],
)
def test_standard_plan_dates_for_c1d1_on_2026_01_15(code, target, opens, closes):
    visit = standard_plan()[code]

    assert (visit.target_date, visit.window_opens, visit.window_closes) == (target, opens, closes)


def test_screening_window_runs_from_study_day_minus_28_to_minus_1():
    screening = standard_plan()["SCR"]

    assert study_day(C1D1, screening.window_opens) == -28
    assert study_day(C1D1, screening.window_closes) == -1


def test_visit_codes_carry_their_study_day():
    plan = standard_plan()

    assert [study_day(C1D1, plan[c].target_date) for c in ("C1D1", "C1D2", "C1D8", "C1D15")] == [
        1,
        2,
        8,
        15,
    ]
    assert study_day(C1D1, plan["C2D1"].target_date) == 22


def test_visits_carry_kind_cycle_and_anchor_from_the_definitions():
    plan = standard_plan()

    assert (plan["C3D1"].kind, plan["C3D1"].cycle) == (VisitKind.DOSING, 3)
    assert (plan["C1D8"].kind, plan["C1D8"].cycle) == (VisitKind.SAFETY, 1)
    assert (plan["EOT"].anchor, plan["EOT"].cycle) == (Anchor.LAST_DOSE, None)
    assert plan["FU6M"].kind == VisitKind.FOLLOW_UP
    assert plan["SCR"].anchor == Anchor.FIRST_DOSE


def test_projected_last_dose_is_day_1_of_the_last_configured_cycle():
    two_cycles = standard_definitions(**{**BRIEF_NUMBERS, "max_cycles": 2})

    plan = by_code(plan_visits(two_cycles, first_dose=C1D1))

    assert "C3D1" not in plan
    # C2D1 on 2026-02-05, so EOT is due by 2026-03-07 and FU1M is 2026-03-05.
    assert plan["EOT"].target_date == date(2026, 3, 7)
    assert plan["FU1M"].target_date == date(2026, 3, 5)


def test_follow_ups_count_months_from_the_last_dose_not_from_the_previous_visit():
    plan = standard_plan(last_dose=date(2026, 1, 31))

    assert plan["FU1M"].target_date == date(2026, 2, 28)
    assert plan["FU3M"].target_date == date(2026, 4, 30)
    assert plan["FU6M"].target_date == date(2026, 7, 31)


def test_end_of_treatment_window_is_the_last_dose_day_through_30_days_after():
    eot = standard_plan(last_dose=EARLY_LAST_DOSE)["EOT"]

    assert (eot.window_opens, eot.window_closes) == (date(2026, 2, 5), date(2026, 3, 7))
    assert eot.target_date == eot.window_closes


# --- configuration errors -------------------------------------------------------------------


def test_a_safety_day_without_a_window_is_rejected():
    with pytest.raises(ValueError, match="safety day 15 has no window"):
        standard_definitions(**{**BRIEF_NUMBERS, "safety_window_days": {2: 0, 8: 1}})


def test_a_safety_day_outside_cycle_1_is_rejected():
    with pytest.raises(ValueError, match="safety day 22"):
        standard_definitions(
            **{**BRIEF_NUMBERS, "safety_days": (2, 22), "safety_window_days": {2: 0, 22: 1}}
        )


def test_a_negative_window_is_rejected():
    with pytest.raises(ValueError, match="window days"):
        VisitDefinition(
            code="X",
            name="X",
            kind=VisitKind.SAFETY,
            anchor=Anchor.FIRST_DOSE,
            window_before_days=-1,
        )


def test_a_visit_code_defined_twice_is_rejected():
    with pytest.raises(ValueError, match="C2D1 is defined twice"):
        plan_visits((*STANDARD, STANDARD[5]), first_dose=C1D1)


def test_a_last_dose_before_the_first_dose_is_rejected():
    with pytest.raises(ValueError, match="before the first dose"):
        plan_visits(STANDARD, first_dose=C1D1, last_dose=date(2026, 1, 14))
    with pytest.raises(ValueError, match="before the first dose"):
        reanchor_on_last_dose(
            plan_visits(STANDARD, first_dose=C1D1), STANDARD, last_dose=date(2026, 1, 14)
        )


# --- add_months, study_day, follow-up close -------------------------------------------------


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),
        (date(2028, 2, 29), 12, date(2029, 2, 28)),
        (date(2028, 2, 29), 48, date(2032, 2, 29)),
        (date(2026, 3, 31), 1, date(2026, 4, 30)),
        (date(2026, 10, 31), 4, date(2027, 2, 28)),
        (date(2026, 12, 15), 1, date(2027, 1, 15)),
        (date(2026, 3, 31), -1, date(2026, 2, 28)),
        (date(2026, 1, 15), 0, date(2026, 1, 15)),
    ],
)
def test_add_months_clamps_to_the_end_of_a_shorter_month(start, months, expected):
    assert add_months(start, months) == expected


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        (date(2026, 1, 15), 1),
        (date(2026, 1, 16), 2),
        (date(2026, 1, 14), -1),
        (date(2026, 1, 13), -2),
        (date(2025, 12, 18), -28),
    ],
)
def test_study_day_starts_at_1_on_c1d1_and_minus_1_the_day_before(on, expected):
    assert study_day(C1D1, on) == expected


def test_study_day_has_no_day_0():
    days = [study_day(C1D1, date.fromordinal(C1D1.toordinal() + n)) for n in range(-40, 41)]

    assert 0 not in days
    assert len(set(days)) == len(days)


def test_followup_window_closes_12_months_after_a_last_dose_on_feb_29():
    assert followup_window_closes_on(date(2028, 2, 29)) == date(2029, 2, 28)


def test_followup_window_closes_on_the_fu12m_target_not_its_window_end():
    plan = standard_plan(last_dose=EARLY_LAST_DOSE)

    assert followup_window_closes_on(EARLY_LAST_DOSE) == plan["FU12M"].target_date
    # The brief's +/-14 days on FU12M reach past the 12-month close; kept as configured.
    assert plan["FU12M"].window_closes == date(2027, 2, 19)


# --- visit_status and window_deviation ------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2026, 2, 1), VisitStatus.UPCOMING),
        (date(2026, 2, 2), VisitStatus.DUE),
        (date(2026, 2, 5), VisitStatus.DUE),
        (date(2026, 2, 8), VisitStatus.DUE),
        (date(2026, 2, 9), VisitStatus.MISSED),
    ],
)
def test_visit_is_due_from_window_opening_through_closing_inclusive(today, expected):
    assert visit_status(c2d1(), today=today) == expected


@pytest.mark.parametrize(
    ("completed_on", "expected"),
    [
        (date(2026, 2, 1), VisitStatus.COMPLETED_OUT_OF_WINDOW),
        (date(2026, 2, 2), VisitStatus.COMPLETED),
        (date(2026, 2, 8), VisitStatus.COMPLETED),
        (date(2026, 2, 9), VisitStatus.COMPLETED_OUT_OF_WINDOW),
    ],
)
def test_completion_on_a_window_edge_is_in_window_and_one_day_outside_is_not(
    completed_on, expected
):
    status = visit_status(c2d1(), today=date(2026, 3, 1), completed_on=completed_on)

    assert status == expected


def test_recorded_miss_inside_the_window_is_missed():
    status = visit_status(c2d1(), today=date(2026, 2, 3), missed_recorded=True)

    assert status == VisitStatus.MISSED


def test_recorded_completion_wins_over_a_recorded_miss():
    status = visit_status(
        c2d1(), today=date(2026, 3, 1), completed_on=date(2026, 2, 4), missed_recorded=True
    )

    assert status == VisitStatus.COMPLETED


@pytest.mark.parametrize(
    ("visit", "kwargs"),
    [
        (c2d1(), {"not_applicable": True, "completed_on": date(2026, 2, 4)}),
        (c2d1(), {"not_applicable": True, "missed_recorded": True}),
        (replace(c2d1(), not_applicable=True), {}),
        (replace(c2d1(), not_applicable=True), {"completed_on": date(2026, 2, 4)}),
    ],
)
def test_not_applicable_wins_over_every_other_status(visit, kwargs):
    assert visit_status(visit, today=date(2026, 3, 1), **kwargs) == VisitStatus.NOT_APPLICABLE


@pytest.mark.parametrize(
    ("done_on", "expected"),
    [
        (date(2026, 1, 30), -3),
        (date(2026, 2, 1), -1),
        (date(2026, 2, 2), 0),
        (date(2026, 2, 5), 0),
        (date(2026, 2, 8), 0),
        (date(2026, 2, 9), 1),
        (date(2026, 2, 15), 7),
    ],
)
def test_window_deviation_is_negative_early_positive_late_and_0_inside(done_on, expected):
    assert window_deviation(c2d1(), done_on) == expected


# --- re-anchoring when treatment ends -------------------------------------------------------


def early_stop_plan() -> dict[str, PlannedVisit]:
    planned = plan_visits(STANDARD, first_dose=C1D1)
    return by_code(reanchor_on_last_dose(planned, STANDARD, last_dose=EARLY_LAST_DOSE))


@pytest.mark.parametrize(
    ("code", "projected_target", "reanchored_target"),
    [
        ("EOT", date(2026, 5, 30), date(2026, 3, 7)),
        ("FU1M", date(2026, 5, 30), date(2026, 3, 5)),
        ("FU3M", date(2026, 7, 30), date(2026, 5, 5)),
        ("FU6M", date(2026, 10, 30), date(2026, 8, 5)),
        ("FU9M", date(2027, 1, 30), date(2026, 11, 5)),
        ("FU12M", date(2027, 4, 30), date(2027, 2, 5)),
    ],
)
def test_early_last_dose_moves_eot_and_every_follow_up(code, projected_target, reanchored_target):
    assert standard_plan()[code].target_date == projected_target
    assert early_stop_plan()[code].target_date == reanchored_target


def test_early_last_dose_moves_the_12_month_close_date():
    projected_last_dose = standard_plan()["C6D1"].target_date

    assert followup_window_closes_on(projected_last_dose) == date(2027, 4, 30)
    assert followup_window_closes_on(EARLY_LAST_DOSE) == date(2027, 2, 5)


def test_early_last_dose_leaves_first_dose_visits_on_their_dates():
    before, after = standard_plan(), early_stop_plan()

    for code in ("SCR", "C1D1", "C1D2", "C1D8", "C1D15", "C2D1", "C3D1", "C6D1"):
        assert (after[code].target_date, after[code].window_opens, after[code].window_closes) == (
            before[code].target_date,
            before[code].window_opens,
            before[code].window_closes,
        ), code


def test_dosing_visits_after_the_last_dose_are_kept_and_marked_not_applicable():
    plan = early_stop_plan()

    assert len(plan) == 16
    assert [c for c, v in plan.items() if v.not_applicable] == ["C3D1", "C4D1", "C5D1", "C6D1"]
    assert visit_status(plan["C4D1"], today=date(2026, 3, 20)) == VisitStatus.NOT_APPLICABLE


def test_safety_visits_after_a_single_dose_stay_applicable():
    planned = plan_visits(STANDARD, first_dose=C1D1)

    plan = by_code(reanchor_on_last_dose(planned, STANDARD, last_dose=C1D1))

    assert not any(plan[c].not_applicable for c in ("C1D1", "C1D2", "C1D8", "C1D15"))
    assert plan["C2D1"].not_applicable


def test_a_last_dose_given_early_in_a_cycle_window_keeps_that_cycle_applicable():
    # C3D1 target 2026-02-26, window opens 2026-02-23; dosed (for the last time) on the 24th.
    planned = plan_visits(STANDARD, first_dose=C1D1)

    plan = by_code(reanchor_on_last_dose(planned, STANDARD, last_dose=date(2026, 2, 24)))

    assert not plan["C3D1"].not_applicable
    assert plan["C4D1"].not_applicable


def test_correcting_the_last_dose_to_a_later_date_clears_the_not_applicable_mark():
    planned = plan_visits(STANDARD, first_dose=C1D1)
    stopped = reanchor_on_last_dose(planned, STANDARD, last_dose=EARLY_LAST_DOSE)

    corrected = by_code(reanchor_on_last_dose(stopped, STANDARD, last_dose=date(2026, 4, 30)))

    assert not any(v.not_applicable for v in corrected.values())
    assert corrected["EOT"].target_date == date(2026, 5, 30)


def test_planning_with_a_known_last_dose_equals_reanchoring_the_projected_plan():
    reanchored = reanchor_on_last_dose(
        plan_visits(STANDARD, first_dose=C1D1), STANDARD, last_dose=EARLY_LAST_DOSE
    )

    assert plan_visits(STANDARD, first_dose=C1D1, last_dose=EARLY_LAST_DOSE) == reanchored


def test_reanchoring_a_visit_with_no_definition_is_rejected():
    planned = plan_visits(STANDARD, first_dose=C1D1)

    with pytest.raises(ValueError, match="FU12M has no definition"):
        reanchor_on_last_dose(planned, STANDARD[:-1], last_dose=EARLY_LAST_DOSE)
