"""RECIST 1.1 response (tumours/recist.py): table-driven, no database, no Django."""

import ast
import dataclasses
import sys
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from tumours import recist
from tumours.recist import (
    Assessment,
    NonTargetStatus,
    Response,
    ResponseResult,
    TargetLesion,
    best_overall_response,
    best_response_on_treatment,
    overall_response,
    sum_of_diameters,
    validate_baseline,
)

D = Decimal
BASELINE_DAY = date(2026, 3, 2)
FIRST_DOSE = date(2026, 3, 9)
NT = NonTargetStatus

# The baseline lesions of the standard subject: two non-nodal lesions and one target node,
# summing 100 mm.
ORGANS = {"T1": ("liver", False), "T2": ("lung", False), "N1": ("lymph node", True)}
STANDARD = {"T1": 40, "T2": 30, "N1": 30}


def lesions(sizes: dict[str, object]) -> tuple[TargetLesion, ...]:
    """Target lesions by id; a size of None is NE, and the organ comes from ORGANS."""
    return tuple(
        TargetLesion(lesion_id, *ORGANS.get(lesion_id, ("liver", False)), _mm(mm))
        for lesion_id, mm in sizes.items()
    )


def _mm(mm: object) -> Decimal | None:
    return None if mm is None else D(str(mm))


def assessment(
    week: int,
    sizes: dict[str, object],
    *,
    non_target: NonTargetStatus = NT.NON_CR_NON_PD,
    new_lesions: bool | None = False,
) -> Assessment:
    return Assessment(
        assessment_date=BASELINE_DAY + timedelta(weeks=week),
        targets=lesions(sizes),
        non_target=non_target,
        new_lesions=new_lesions,
    )


def respond(
    sizes: dict[str, object],
    *,
    baseline: dict[str, object] = STANDARD,
    prior: tuple[dict[str, object], ...] = (),
    non_target: NonTargetStatus = NT.NON_CR_NON_PD,
    new_lesions: bool | None = False,
) -> ResponseResult:
    """The response of the standard subject: baseline at week 0, priors every 8 weeks, then
    the assessment judged; baseline non-target lesions present unless ``NOT_PRESENT``."""
    baseline_non_target = NT.NOT_PRESENT if non_target is NT.NOT_PRESENT else NT.NON_CR_NON_PD
    return overall_response(
        assessment(0, baseline, non_target=baseline_non_target),
        [assessment(8 * (i + 1), p, non_target=baseline_non_target) for i, p in enumerate(prior)],
        assessment(8 * (len(prior) + 1), sizes, non_target=non_target, new_lesions=new_lesions),
    )


def reasons(result: ResponseResult) -> str:
    return " | ".join(result.reasons)


# --- target lesions: CR --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sizes", "response"),
    [
        pytest.param({"T1": 0, "T2": 0, "N1": 0}, Response.CR, id="all gone"),
        pytest.param({"T1": 0, "T2": 0, "N1": "9.9"}, Response.CR, id="node 9.9 mm"),
        pytest.param({"T1": 0, "T2": 0, "N1": 10}, Response.PR, id="node exactly 10 mm"),
        pytest.param({"T1": 1, "T2": 0, "N1": 5}, Response.PR, id="non-nodal 1 mm left"),
    ],
)
def test_complete_response_needs_non_nodal_lesions_at_zero_and_nodes_below_ten_mm(sizes, response):
    result = respond(sizes, non_target=NT.CR)

    assert result.response is response
    assert reasons(result).startswith(f"target lesions: {response.name}")


def test_node_at_exactly_ten_mm_is_not_complete_response():
    result = respond({"T1": 0, "T2": 0, "N1": 10}, non_target=NT.CR)

    assert result.response is Response.PR
    assert "not CR: N1 still present" in reasons(result)
    assert result.sum_mm == D(10)


def test_complete_response_sum_keeps_the_short_axis_of_normal_nodes():
    result = respond({"T1": 0, "T2": 0, "N1": 8}, non_target=NT.CR)

    assert result.response is Response.CR
    assert result.sum_mm == D(8)
    assert result.change_from_baseline_pct == D("-92.0")


def test_normal_nodes_growing_below_ten_mm_stay_complete_response():
    # EORTC RECIST FAQ: a target node has only reappeared once it is >= 10 mm.
    result = respond(
        {"T1": 0, "T2": 0, "N1": "9.5"}, prior=({"T1": 0, "T2": 0, "N1": 2},), non_target=NT.CR
    )

    assert result.change_from_nadir_pct == D("375.0")
    assert result.response is Response.CR


# --- target lesions: PR and SD --------------------------------------------------------------


@pytest.mark.parametrize(
    ("sizes", "response", "change"),
    [
        pytest.param({"T1": 30, "T2": 20, "N1": 20}, Response.PR, D("-30.0"), id="-30%"),
        pytest.param({"T1": 30, "T2": 20, "N1": "20.1"}, Response.SD, D("-29.9"), id="-29.9%"),
        pytest.param({"T1": 10, "T2": 10, "N1": 15}, Response.PR, D("-65.0"), id="-65%"),
    ],
)
def test_thirty_percent_decrease_from_baseline_is_partial_response(sizes, response, change):
    result = respond(sizes)

    assert result.response is response
    assert result.change_from_baseline_pct == change
    assert f"{change}% from the baseline of 100 mm" in reasons(result)


def test_partial_response_is_judged_on_the_exact_change_not_the_rounded_one():
    result = respond({"T1": 30, "T2": 20, "N1": "20.04"})

    assert result.change_from_baseline_pct == D("-30.0")  # -29.96% shown rounded
    assert result.response is Response.SD


@pytest.mark.parametrize(
    "sizes",
    [
        pytest.param({"T1": 36, "T2": 27, "N1": 27}, id="-10%"),
        pytest.param({"T1": 40, "T2": 30, "N1": 30}, id="unchanged"),
        pytest.param({"T1": 44, "T2": 33, "N1": 33}, id="+10%"),
        pytest.param({"T1": 48, "T2": 30, "N1": "41.9"}, id="+19.9%"),
    ],
)
def test_neither_partial_response_nor_progression_is_stable_disease(sizes):
    result = respond(sizes)

    assert result.response is Response.SD
    assert "target lesions: SD" in reasons(result)
    assert result.nadir_mm == D(100)


# --- target lesions: PD -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("baseline", "sizes", "response", "from_nadir"),
    [
        pytest.param(
            {"T1": 15, "T2": 10}, {"T1": 20, "T2": 10}, Response.PD, D("20.0"), id="+20% and +5 mm"
        ),
        pytest.param(
            {"T1": 10, "T2": 10}, {"T1": 14, "T2": 10}, Response.SD, D("20.0"), id="+20% but +4 mm"
        ),
        pytest.param(
            {"T1": 15, "T2": 10},
            {"T1": "19.9", "T2": 10},
            Response.SD,
            D("19.6"),
            id="+19.6% and +4.9 mm",
        ),
        pytest.param(
            {"T1": 40, "T2": 30},
            {"T1": 53, "T2": 30},
            Response.SD,
            D("18.6"),
            id="+13 mm but +18.6%",
        ),
    ],
)
def test_progression_needs_twenty_percent_and_five_mm_above_the_nadir(
    baseline, sizes, response, from_nadir
):
    result = respond(sizes, baseline=baseline)

    assert result.response is response
    assert result.change_from_nadir_pct == from_nadir


def test_twenty_percent_increase_of_only_four_mm_is_not_progression():
    result = respond({"T1": 14, "T2": 10}, baseline={"T1": 10, "T2": 10})

    assert result.change_from_nadir_pct == D("20.0")
    assert result.response is Response.SD
    assert "+4 mm, +20.0% from the nadir of 20 mm (PD needs at least +20% and +5 mm)" in reasons(
        result
    )


def test_progression_is_measured_from_the_nadir_not_from_baseline():
    # Shrinks from 100 to 50 mm (PR), then regrows to 60: still 40% below baseline.
    result = respond({"T1": 30, "T2": 15, "N1": 15}, prior=({"T1": 25, "T2": 15, "N1": 10},))

    assert result.nadir_mm == D(50)
    assert result.change_from_baseline_pct == D("-40.0")
    assert result.change_from_nadir_pct == D("20.0")
    assert result.response is Response.PD
    assert "+10 mm, +20.0% from the nadir of 50 mm" in reasons(result)


def test_nadir_includes_the_baseline_sum():
    # 100 -> 110 -> 120: +9.1% from the smallest follow-up, but +20% from baseline.
    result = respond({"T1": 50, "T2": 40, "N1": 30}, prior=({"T1": 45, "T2": 35, "N1": 30},))

    assert result.nadir_mm == D(100)
    assert result.response is Response.PD


def test_nadir_is_the_smallest_sum_of_all_prior_assessments():
    result = respond(
        {"T1": 30, "T2": 20, "N1": 20},
        prior=(
            {"T1": 30, "T2": 20, "N1": 10},
            {"T1": 20, "T2": 20, "N1": 15},
            {"T1": 25, "T2": 20, "N1": 15},
        ),
    )

    assert result.nadir_mm == D(55)
    assert result.response is Response.PD


def test_prior_assessment_with_a_lesion_not_evaluable_does_not_set_the_nadir():
    result = respond({"T1": 40, "T2": 25, "N1": 25}, prior=({"T1": None, "T2": 15, "N1": 15},))

    assert result.nadir_mm == D(100)
    assert result.response is Response.SD


def test_assessments_after_the_current_one_do_not_count_towards_the_nadir():
    baseline = assessment(0, STANDARD)
    later = assessment(16, {"T1": 20, "T2": 15, "N1": 15})
    current = assessment(8, {"T1": 30, "T2": 20, "N1": 15})

    result = overall_response(baseline, [later], current)

    assert result.nadir_mm == D(100)
    assert result.response is Response.PR


# --- target lesions: NE ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sizes", "response"),
    [
        pytest.param({"T1": 40, "T2": None, "N1": 30}, Response.NE, id="one NE"),
        pytest.param({"T1": 40, "N1": 30}, Response.NE, id="one not recorded"),
        pytest.param({"T1": 0, "T2": None, "N1": 0}, Response.NE, id="others at CR level"),
        pytest.param({"T1": None, "T2": None, "N1": None}, Response.NE, id="none evaluable"),
        pytest.param({"T1": 90, "T2": None, "N1": 30}, Response.PD, id="PD without it"),
    ],
)
def test_target_lesion_not_evaluable_is_ne_unless_the_others_already_progress(sizes, response):
    result = respond(sizes)

    assert result.response is response
    assert result.sum_mm is None
    assert result.change_from_baseline_pct is None
    assert "not evaluable" in reasons(result) or "none evaluable" in reasons(result)


# --- overall response: RECIST 1.1 Table 1 ---------------------------------------------------

CR_SIZES = {"T1": 0, "T2": 0, "N1": 5}
PR_SIZES = {"T1": 20, "T2": 20, "N1": 10}
SD_SIZES = {"T1": 40, "T2": 30, "N1": 25}
PD_SIZES = {"T1": 60, "T2": 30, "N1": 30}
NE_SIZES = {"T1": 40, "T2": None, "N1": 30}


@pytest.mark.parametrize(
    ("sizes", "non_target", "new_lesions", "response"),
    [
        pytest.param(CR_SIZES, NT.CR, False, Response.CR, id="CR+CR"),
        pytest.param(CR_SIZES, NT.NOT_PRESENT, False, Response.CR, id="CR+none at baseline"),
        pytest.param(CR_SIZES, NT.NON_CR_NON_PD, False, Response.PR, id="CR+non-CR"),
        pytest.param(CR_SIZES, NT.NE, False, Response.PR, id="CR+NE"),
        pytest.param(PR_SIZES, NT.CR, False, Response.PR, id="PR+CR"),
        pytest.param(PR_SIZES, NT.NON_CR_NON_PD, False, Response.PR, id="PR+non-CR"),
        pytest.param(PR_SIZES, NT.NE, False, Response.PR, id="PR+NE"),
        pytest.param(SD_SIZES, NT.NON_CR_NON_PD, False, Response.SD, id="SD+non-CR"),
        pytest.param(SD_SIZES, NT.NE, False, Response.SD, id="SD+NE"),
        pytest.param(NE_SIZES, NT.NON_CR_NON_PD, False, Response.NE, id="NE+non-CR"),
        pytest.param(PD_SIZES, NT.NON_CR_NON_PD, False, Response.PD, id="PD+non-CR"),
        pytest.param(PD_SIZES, NT.NE, None, Response.PD, id="PD+NE+new unknown"),
    ],
)
def test_overall_response_combines_target_non_target_and_new_lesions_by_table_1(
    sizes, non_target, new_lesions, response
):
    result = respond(sizes, non_target=non_target, new_lesions=new_lesions)

    assert result.response is response
    assert result.reasons[-1].startswith(f"{response.name}:")


@pytest.mark.parametrize(
    ("sizes", "non_target"),
    [
        pytest.param(CR_SIZES, NT.CR, id="target CR"),
        pytest.param(PR_SIZES, NT.NON_CR_NON_PD, id="target PR"),
        pytest.param(SD_SIZES, NT.NE, id="target SD"),
        pytest.param(NE_SIZES, NT.NE, id="target NE"),
    ],
)
def test_new_lesion_is_progression_whatever_the_target_lesions_do(sizes, non_target):
    result = respond(sizes, non_target=non_target, new_lesions=True)

    assert result.response is Response.PD
    assert "new lesion is progression" in result.reasons[-1]


@pytest.mark.parametrize(
    "sizes",
    [
        pytest.param(CR_SIZES, id="target CR"),
        pytest.param(PR_SIZES, id="target PR"),
        pytest.param(NE_SIZES, id="target NE"),
    ],
)
def test_unequivocal_non_target_progression_is_progression(sizes):
    result = respond(sizes, non_target=NT.PD)

    assert result.response is Response.PD
    assert "non-target lesions: unequivocal progression" in result.reasons
    assert "progression of non-target lesions" in result.reasons[-1]


def test_target_complete_response_with_non_target_lesions_remaining_is_partial_response():
    result = respond(CR_SIZES, non_target=NT.NON_CR_NON_PD)

    assert result.reasons[0].startswith("target lesions: CR")
    assert result.response is Response.PR
    assert "target CR but non-target non-CR/non-PD" in result.reasons[-1]


@pytest.mark.parametrize(
    ("sizes", "non_target", "would_be"),
    [
        pytest.param(CR_SIZES, NT.CR, "CR", id="CR"),
        pytest.param(PR_SIZES, NT.NON_CR_NON_PD, "PR", id="PR"),
        pytest.param(SD_SIZES, NT.NON_CR_NON_PD, "SD", id="SD"),
    ],
)
def test_new_lesions_not_assessed_make_an_otherwise_non_progressive_time_point_ne(
    sizes, non_target, would_be
):
    result = respond(sizes, non_target=non_target, new_lesions=None)

    assert result.response is Response.NE
    assert f"would be {would_be}" in result.reasons[-1]
    assert "new lesions: not assessed" in result.reasons


@pytest.mark.parametrize(
    ("sizes", "non_target"),
    [
        pytest.param(PD_SIZES, NT.NON_CR_NON_PD, id="target PD"),
        pytest.param(PR_SIZES, NT.PD, id="non-target PD"),
    ],
)
def test_progression_stands_when_new_lesions_were_not_assessed(sizes, non_target):
    assert respond(sizes, non_target=non_target, new_lesions=None).response is Response.PD


# --- no target lesions at baseline: RECIST 1.1 Table 2 --------------------------------------


@pytest.mark.parametrize(
    ("non_target", "new_lesions", "response"),
    [
        pytest.param(NT.CR, False, Response.CR, id="CR"),
        pytest.param(NT.NON_CR_NON_PD, False, Response.SD, id="non-CR/non-PD as SD"),
        pytest.param(NT.PD, False, Response.PD, id="PD"),
        pytest.param(NT.NE, False, Response.NE, id="NE"),
        pytest.param(NT.NON_CR_NON_PD, True, Response.PD, id="new lesion"),
        pytest.param(NT.NOT_PRESENT, False, Response.NE, id="no disease at all"),
    ],
)
def test_without_target_lesions_the_non_target_lesions_decide_by_table_2(
    non_target, new_lesions, response
):
    result = respond({}, baseline={}, non_target=non_target, new_lesions=new_lesions)

    assert result.response is response
    assert result.sum_mm == D(0)
    assert result.change_from_baseline_pct is None
    assert result.change_from_nadir_pct is None


# --- percentages --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("n1", "change"),
    [
        pytest.param("30.05", D("0.1"), id="+0.05% up"),
        pytest.param("29.95", D("-0.1"), id="-0.05% away from zero"),
        pytest.param("30.04", D("0.0"), id="+0.04% down"),
    ],
)
def test_percent_changes_round_half_up_to_one_decimal(n1, change):
    result = respond({"T1": 40, "T2": 30, "N1": n1})

    assert result.change_from_baseline_pct == change
    assert result.change_from_baseline_pct.as_tuple().exponent == -1


# --- inconsistent input is refused ------------------------------------------------------------


@pytest.mark.parametrize(
    ("build", "message"),
    [
        pytest.param(
            lambda: respond({"T1": 40, "T2": 30, "N1": 30, "T9": 12}),
            "the baseline does not have: T9",
            id="target lesion not chosen at baseline",
        ),
        pytest.param(
            lambda: overall_response(
                assessment(0, STANDARD, non_target=NT.NON_CR_NON_PD),
                [],
                assessment(8, STANDARD, non_target=NT.NOT_PRESENT),
            ),
            "none at baseline",
            id="non-target lesions vanish from the record",
        ),
        pytest.param(
            lambda: overall_response(assessment(8, STANDARD), [], assessment(0, STANDARD)),
            "not after the baseline",
            id="assessment before baseline",
        ),
        pytest.param(
            lambda: TargetLesion("T1", "liver", False, D(-1)),
            "cannot be negative",
            id="negative diameter",
        ),
    ],
)
def test_inconsistent_assessments_are_refused(build, message):
    with pytest.raises(ValueError, match=message):
        build()


def test_assessments_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        assessment(0, STANDARD).new_lesions = True  # type: ignore[misc]


# --- sum of diameters ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sizes", "total"),
    [
        pytest.param(STANDARD, D(100), id="node short axis included"),
        pytest.param({"T1": "10.5", "N1": "9.5"}, D(20), id="decimals"),
        pytest.param({"T1": 40, "T2": None}, None, id="NE"),
        pytest.param({}, D(0), id="no lesions"),
    ],
)
def test_sum_of_diameters_is_none_when_any_lesion_is_not_evaluable(sizes, total):
    assert sum_of_diameters(lesions(sizes)) == total


# --- baseline validation ------------------------------------------------------------------------


def target(lesion_id: str, organ: str, mm: object, *, node: bool = False) -> TargetLesion:
    return TargetLesion(lesion_id, organ, node, _mm(mm))


def test_valid_baseline_has_no_messages():
    assert validate_baseline(lesions(STANDARD)) == []


@pytest.mark.parametrize(
    ("targets", "expected"),
    [
        pytest.param(
            [
                target(f"T{n}", organ, 20)
                for n, organ in enumerate(
                    ["liver", "liver", "lung", "lung", "adrenal", "skin"], start=1
                )
            ],
            "6 target lesions (T1, T2, T3, T4, T5, T6): RECIST 1.1 allows at most 5 in total",
            id="six lesions",
        ),
        pytest.param(
            [target("T1", "liver", 20), target("T2", "Liver", 25), target("T3", "liver ", 30)],
            "3 target lesions in liver (T1, T2, T3): RECIST 1.1 allows at most 2 per organ",
            id="three in one organ",
        ),
        pytest.param(
            [
                target(n, chain, 20, node=True)
                for n, chain in [("N1", "axillary"), ("N2", "mediastinal"), ("N3", "inguinal")]
            ],
            "3 target lesions in lymph nodes (all nodal chains count as one organ)",
            id="three nodes in different chains",
        ),
        pytest.param(
            [target("T1", "liver", 9)],
            "lesion T1 (liver): longest diameter 9 mm is below the 10 mm",
            id="9 mm non-nodal lesion",
        ),
        pytest.param(
            [target("N1", "mediastinal node", 14, node=True)],
            "lesion N1 (mediastinal node): short axis 14 mm is below the 15 mm",
            id="14 mm node",
        ),
        pytest.param(
            [target("T1", "liver", 20), target("T1", "lung", 20)],
            "lesion id T1 is used by 2 target lesions",
            id="duplicate id",
        ),
        pytest.param(
            [target("T1", "liver", None)],
            "lesion T1 (liver): not measured",
            id="not measured",
        ),
        pytest.param(
            [target("T1", " ", 20)],
            "lesion T1: the organ is missing",
            id="no organ",
        ),
    ],
)
def test_baseline_breaking_a_recist_rule_is_reported_naming_the_lesion_and_the_rule(
    targets, expected
):
    messages = validate_baseline(targets)

    assert len(messages) == 1
    assert expected in messages[0]


def test_baseline_measurability_thresholds_are_inclusive():
    targets = [target("T1", "liver", 10), target("N1", "hilar node", 15, node=True)]

    assert validate_baseline(targets) == []


def test_baseline_reports_every_broken_rule():
    targets = [
        target("T1", "liver", 9),
        target("T2", "liver", 20),
        target("T3", "liver", 20),
        target("N1", "node", 14, node=True),
        target("T4", "lung", 20),
        target("T5", "lung", 20),
    ]

    messages = validate_baseline(targets)

    assert [m.split(":")[0] for m in messages] == [
        "lesion T1 (liver)",
        "lesion N1 (node)",
        "3 target lesions in liver (T1, T2, T3)",
        "6 target lesions (T1, T2, T3, N1, T4, T5)",
    ]


# --- best overall response ----------------------------------------------------------------------


def day(n: int) -> date:
    return FIRST_DOSE + timedelta(days=n)


@pytest.mark.parametrize(
    ("responses", "best"),
    [
        pytest.param([(day(30), Response.SD)], Response.NE, id="SD at day 30 is NE"),
        pytest.param([(day(41), Response.SD)], Response.NE, id="SD at day 41 is NE"),
        pytest.param([(day(42), Response.SD)], Response.SD, id="SD at day 42 counts"),
        pytest.param(
            [(day(30), Response.SD), (day(84), Response.SD)], Response.SD, id="early SD then SD"
        ),
        pytest.param(
            [(day(30), Response.SD), (day(60), Response.PD)], Response.PD, id="early SD then PD"
        ),
        pytest.param([(day(30), Response.NE), (day(60), Response.NE)], Response.NE, id="only NE"),
    ],
)
def test_stable_disease_counts_only_from_forty_two_days_after_the_first_dose(responses, best):
    assert best_overall_response(responses, first_dose=FIRST_DOSE) is best


@pytest.mark.parametrize(
    ("responses", "best"),
    [
        pytest.param(
            [(day(56), Response.PR), (day(112), Response.PD)], Response.PR, id="PR then PD"
        ),
        pytest.param(
            [(day(56), Response.CR), (day(112), Response.PD)], Response.CR, id="CR then PD"
        ),
        pytest.param(
            [(day(56), Response.SD), (day(112), Response.PR)], Response.PR, id="SD then PR"
        ),
        pytest.param(
            [(day(56), Response.PR), (day(112), Response.CR)], Response.CR, id="PR then CR"
        ),
        pytest.param(
            [(day(56), Response.NE), (day(112), Response.PD)], Response.PD, id="NE then PD"
        ),
        pytest.param(
            [(day(112), Response.PD), (day(56), Response.PR)],
            Response.PR,
            id="given out of date order",
        ),
    ],
)
def test_best_response_is_the_best_of_cr_pr_sd_pd_ne_and_pd_does_not_lower_it(responses, best):
    assert best_overall_response(responses, first_dose=FIRST_DOSE) is best


def test_responses_after_the_first_progression_do_not_count():
    responses = [(day(56), Response.PD), (day(112), Response.PR), (day(168), Response.CR)]

    assert best_overall_response(responses, first_dose=FIRST_DOSE) is Response.PD


def test_protocol_can_set_a_longer_minimum_for_stable_disease():
    responses = [(day(50), Response.SD)]

    assert best_overall_response(responses, first_dose=FIRST_DOSE) is Response.SD
    assert best_overall_response(responses, first_dose=FIRST_DOSE, min_sd_days=56) is Response.NE


def test_best_response_accepts_stored_string_values():
    assert best_overall_response([(day(56), "pr")], first_dose=FIRST_DOSE) is Response.PR


def test_no_responses_yet_has_no_best_response():
    assert best_overall_response([], first_dose=FIRST_DOSE) is None


@pytest.mark.parametrize(
    ("responses", "min_sd_days", "message"),
    [
        pytest.param([(day(-1), Response.SD)], 42, "before the first dose", id="before dose"),
        pytest.param([(day(56), Response.SD)], -1, "cannot be negative", id="negative minimum"),
    ],
)
def test_best_response_refuses_impossible_input(responses, min_sd_days, message):
    with pytest.raises(ValueError, match=message):
        best_overall_response(responses, first_dose=FIRST_DOSE, min_sd_days=min_sd_days)


@pytest.mark.parametrize(
    ("time_points", "first_dose", "best"),
    [
        pytest.param([(day(56), "pr")], None, None, id="no first dose: no best response"),
        pytest.param([], FIRST_DOSE, None, id="no time point yet"),
        pytest.param([(day(0), "")], FIRST_DOSE, None, id="baseline only (no response)"),
        pytest.param([(day(56), None)], FIRST_DOSE, None, id="response not computed"),
        pytest.param(
            [(day(-1), "pr"), (day(56), "sd")], FIRST_DOSE, Response.SD, id="day before dose"
        ),
        pytest.param([(day(0), "pr")], FIRST_DOSE, Response.PR, id="on the first-dose day"),
        pytest.param(
            [(day(-7), "cr"), (day(0), ""), (day(56), "pd")],
            FIRST_DOSE,
            Response.PD,
            id="pre-treatment CR does not count",
        ),
        pytest.param([(day(30), "sd")], FIRST_DOSE, Response.NE, id="early SD still NE"),
    ],
)
def test_best_response_counts_time_points_with_a_response_from_the_first_dose_on(
    time_points, first_dose, best
):
    assert best_response_on_treatment(time_points, first_dose=first_dose) is best


# --- purity ---------------------------------------------------------------------------------------


def test_module_imports_only_the_standard_library_and_never_reads_the_clock():
    source = Path(recist.__file__).read_text()
    imported = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert imported <= sys.stdlib_module_names | {"__future__"}
    assert "today(" not in source
    assert "now(" not in source


# --- non-target lesions, lesion by lesion (RECIST 1.1, 4.3.2) -------------------------------

S = recist.NonTargetLesionState


@pytest.mark.parametrize(
    "states, status",
    [
        ((), NT.NOT_PRESENT),
        ((S.ABSENT,), NT.CR),
        ((S.ABSENT, S.ABSENT), NT.CR),
        ((S.PRESENT,), NT.NON_CR_NON_PD),
        ((S.ABSENT, S.PRESENT), NT.NON_CR_NON_PD),
        ((S.NOT_EVALUATED,), NT.NE),
        # Not all evaluated: NE even with another still present, as a missing target is.
        ((S.PRESENT, S.NOT_EVALUATED), NT.NE),
        ((S.ABSENT, S.NOT_EVALUATED), NT.NE),
        # One lesion in unequivocal progression is PD whatever the others are.
        ((S.PROGRESSION,), NT.PD),
        ((S.ABSENT, S.PROGRESSION), NT.PD),
        ((S.NOT_EVALUATED, S.PROGRESSION), NT.PD),
        ((S.PRESENT, S.PROGRESSION, S.ABSENT), NT.PD),
    ],
)
def test_non_target_response_from_the_lesions(states, status):
    assert recist.non_target_response(states)[0] is status


def test_non_target_response_accepts_stored_values_and_says_how_many():
    status, why = recist.non_target_response(["present", "absent", "not_evaluated"])
    assert status is NT.NE
    assert why == "1 of 3 not evaluated, none progressing"


def test_non_target_response_refuses_an_unknown_state():
    with pytest.raises(ValueError):
        recist.non_target_response(["smaller"])


# --- new lesions: equivocal until confirmed (RECIST 1.1, 4.3.2) -----------------------------

W4, W8, W12 = (BASELINE_DAY + timedelta(weeks=w) for w in (4, 8, 12))
NEW = recist.NewLesion


@pytest.mark.parametrize(
    "points, expected",
    [
        ([(W4, ())], {W4: False}),
        ([(W4, None)], {W4: None}),
        ([(W4, (NEW("NEW1", equivocal=False),))], {W4: True}),
        # Equivocal and never confirmed: not progression.
        ([(W4, (NEW("NEW1", equivocal=True),))], {W4: False}),
        ([(W4, (NEW("NEW1", True),)), (W8, (NEW("NEW1", True),))], {W4: False, W8: False}),
        # Confirmed at the next scan: progression dates from the scan that first showed it.
        ([(W4, (NEW("NEW1", True),)), (W8, (NEW("NEW1", False),))], {W4: True, W8: True}),
        # Confirmed two scans later: both earlier equivocal scans are progression.
        (
            [(W4, (NEW("NEW1", True),)), (W8, (NEW("NEW1", True),)), (W12, (NEW("NEW1", False),))],
            {W4: True, W8: True, W12: True},
        ),
        # Another lesion confirmed does not confirm an equivocal one.
        ([(W4, (NEW("NEW1", True),)), (W8, (NEW("NEW2", False),))], {W4: False, W8: True}),
        # An unequivocal lesion beside an equivocal one is progression.
        ([(W4, (NEW("NEW1", True), NEW("NEW2", False)))], {W4: True}),
        # Not assessed stays not assessed, even when a later scan confirms a lesion.
        ([(W4, None), (W8, (NEW("NEW1", False),))], {W4: None, W8: True}),
    ],
)
def test_new_lesions_are_progression_when_unequivocal_or_confirmed_later(points, expected):
    findings = recist.new_lesion_findings(points)
    assert {day: finding[0] for day, finding in findings.items()} == expected


def test_equivocal_new_lesion_reason_says_it_waits_for_confirmation():
    (finding,) = recist.new_lesion_findings([(W4, (NEW("NEW1", True),))]).values()
    assert finding == (
        False,
        "NEW1 equivocal: not progression unless a later scan confirms it",
    )


def test_confirmed_new_lesion_reason_names_the_confirming_scan():
    findings = recist.new_lesion_findings([(W4, (NEW("NEW1", True),)), (W8, (NEW("NEW1", False),))])
    assert findings[W4] == (True, f"yes, NEW1 (confirmed {W8.isoformat()})")


def test_lesion_findings_feed_the_overall_response_and_its_reasons():
    baseline = assessment(0, STANDARD)
    status, why = recist.non_target_response([S.ABSENT, S.ABSENT])
    (new, new_why), *_ = recist.new_lesion_findings([(W8, (NEW("NEW1", True),))]).values()
    current = dataclasses.replace(
        assessment(8, {"T1": 0, "T2": 0, "N1": 9}),
        non_target=status,
        new_lesions=new,
        non_target_finding=why,
        new_lesion_finding=new_why,
    )
    result = overall_response(baseline, [], current)
    # Target CR, non-target CR, an equivocal new lesion only: CR (RECIST 1.1, 4.3.2).
    assert result.response is Response.CR
    assert "non-target lesions: complete response (all 2 gone (nodes < 10 mm short axis))" in (
        result.reasons
    )
    assert "new lesions: NEW1 equivocal: not progression unless a later scan confirms it" in (
        result.reasons
    )
