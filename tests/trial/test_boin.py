"""The BOIN design (Liu & Yuan 2015, J R Stat Soc C 64:507), without a database.

Expected values are the published ones or worked out by hand in the comments; the Beta tail
is checked against a numerical integration of the Beta density written here, independent of
the binomial identity the module uses.
"""

import math
import random
from fractions import Fraction

import pytest

from tests.trial.boin_reference import PUBLISHED_TABLES, isotonic_by_min_max
from tests.trial.cohorts import LEVELS, TODAY, cohort
from trial.boin import (
    Action,
    BoinDesign,
    BoinState,
    LevelDecision,
    Outcome,
    boin_state,
    boundaries,
    decide,
    decision_table,
    is_eliminated,
    isotonic_estimates,
    posterior_above_target,
    select_mtd,
    table_length,
)


def design(target=0.30, **changes) -> BoinDesign:
    values = {"target": target, "max_sample_size": 30, "stop_at_n": 12, "cohort_size": 3}
    return BoinDesign(**(values | changes))


# --- boundaries: Liu & Yuan 2015, Table 1 (φ1 = 0.6φ, φ2 = 1.4φ) -------------------------
# Printed with three decimals: the closed forms give 0.19680 and 0.29839 for φ = 0.25, 0.23649
# and 0.35852 for φ = 0.30 (printed 0.358), so the check allows one unit of the last decimal.


@pytest.mark.parametrize(
    ("target", "lambda_e", "lambda_d"), [(0.25, 0.197, 0.298), (0.30, 0.236, 0.358)]
)
def test_boundaries_match_the_published_values(target, lambda_e, lambda_d):
    bounds = design(target).boundaries
    assert bounds.lambda_e == pytest.approx(lambda_e, abs=0.001)
    assert bounds.lambda_d == pytest.approx(lambda_d, abs=0.001)


def test_boundaries_by_hand_for_target_0_30():
    # λe = ln(0.82/0.70) / ln(0.30*0.82 / (0.18*0.70)) = 0.158224 / 0.669050 = 0.23649;
    # λd = ln(0.70/0.58) / ln(0.42*0.70 / (0.30*0.58)) = 0.188052 / 0.524524 = 0.35852.
    bounds = design(0.30).boundaries
    assert bounds.lambda_e == pytest.approx(0.2365, abs=5e-5)
    assert bounds.lambda_d == pytest.approx(0.3585, abs=5e-5)


def test_phi1_and_phi2_default_to_0_6_and_1_4_times_the_target():
    d = design(0.30)
    assert (d.phi1, d.phi2) == (Fraction(18, 100), Fraction(42, 100))
    assert d.elimination_cutoff == Fraction(95, 100)


def test_explicit_phi1_and_phi2_change_the_boundaries():
    # φ = 0.25 with φ1 = 0.10, φ2 = 0.40: λe = ln(0.9/0.75)/ln(0.25*0.9/(0.1*0.75))
    # = 0.18232/1.09861 = 0.1660; λd = ln(0.75/0.6)/ln(0.4*0.75/(0.25*0.6)) = 0.22314/0.69315
    # = 0.3219.
    bounds = design(0.25, phi1=0.10, phi2=0.40).boundaries
    assert round(bounds.lambda_e, 4) == 0.1660
    assert round(bounds.lambda_d, 4) == 0.3219
    assert bounds == boundaries(0.25, 0.10, 0.40)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"phi1": 0.30}, "need 0 < phi1 < target < phi2 < 1"),
        ({"phi2": 0.25}, "need 0 < phi1 < target < phi2 < 1"),
        ({"target": 0.8}, "phi2 = 1.12"),
        ({"elimination_cutoff": 1}, "elimination_cutoff must be between 0 and 1"),
        ({"cohort_size": 0}, "cohort_size must be at least 1"),
        ({"max_sample_size": 2}, "max_sample_size (2) must be at least the cohort_size (3)"),
        ({"stop_at_n": 0}, "stop_at_n must be at least 1"),
    ],
)
def test_invalid_parameters_are_refused_naming_the_rule(changes, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        design(**changes)


# --- elimination: Pr(p > φ | y of n) > cut-off, Beta(1, 1) prior, n >= 3 ------------------


def beta_tail_by_integration(a: int, b: int, x: float, intervals: int = 4000) -> float:
    """Pr(X > x) for X ~ Beta(a, b), by Simpson's rule on the density (independent check)."""
    log_beta = math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)

    def density(t: float) -> float:
        return t ** (a - 1) * (1 - t) ** (b - 1) / math.exp(log_beta)

    h = (1 - x) / intervals
    total = density(x) + density(1.0)
    total += sum((4 if k % 2 else 2) * density(x + k * h) for k in range(1, intervals))
    return total * h / 3


def eliminate_at_least_by_integration(target: float, n: int) -> int | None:
    if n < 3:
        return None
    return next(
        (y for y in range(n + 1) if beta_tail_by_integration(1 + y, 1 + n - y, target) > 0.95),
        None,
    )


@pytest.mark.parametrize(("n", "dlts"), [(3, 0), (3, 2), (3, 3), (6, 4), (9, 5), (12, 7)])
def test_posterior_tail_agrees_with_numerical_integration(n, dlts):
    exact_tail = posterior_above_target(0.30, n, dlts)
    assert float(exact_tail) == pytest.approx(
        beta_tail_by_integration(1 + dlts, 1 + n - dlts, 0.30), abs=1e-9
    )


def test_three_dlts_in_three_eliminate_at_target_0_30():
    # Beta(4, 1): Pr(p > 0.3) = 1 - 0.3^4 = 0.9919 > 0.95; Beta(3, 2): 0.9163, not eliminated.
    assert posterior_above_target(0.30, 3, 3) == 1 - Fraction(3, 10) ** 4
    assert is_eliminated(design(), 3, 3)
    assert not is_eliminated(design(), 3, 2)


def test_two_dlts_in_two_never_eliminate_below_three_patients():
    assert posterior_above_target(0.30, 2, 2) > Fraction(95, 100)  # 1 - 0.3^3 = 0.973
    assert not is_eliminated(design(), 2, 2)


def test_the_elimination_cutoff_is_a_strict_inequality():
    # Pr(p > 0.3 | 3 of 3) is 0.9919: a cut-off at exactly that value does not eliminate.
    at_cutoff = design(elimination_cutoff=1 - Fraction(3, 10) ** 4)
    assert not is_eliminated(at_cutoff, 3, 3)


# --- the decision table, n = 1..12 -----------------------------------------------------------
# Escalate if y <= n*λe, de-escalate if y >= n*λd (Liu & Yuan 2015), worked by hand from
# λe = 0.2365, λd = 0.3585 (φ = 0.30) and λe = 0.1968, λd = 0.2984 (φ = 0.25); e.g. φ = 0.30,
# n = 9: 9*0.2365 = 2.13, escalate at <= 2; 9*0.3585 = 3.23, de-escalate at >= 4. Elimination
# from the Beta(1 + y, 1 + n - y) tail, e.g. φ = 0.30, n = 9: Pr(Bin(10, 0.3) <= 5) = 0.9527.
# The published rows are in tests/trial/boin_reference.py.


@pytest.mark.parametrize("target", [0.30, 0.25])
def test_published_elimination_rows_agree_with_numerical_integration(target):
    expected = [eliminate_at_least_by_integration(target, n) for n in range(1, 13)]
    assert PUBLISHED_TABLES[target]["eliminate"] == expected


@pytest.mark.parametrize("target", [0.30, 0.25])
def test_decision_table_up_to_twelve_patients(target):
    table = decision_table(design(target), 12)
    published = PUBLISHED_TABLES[target]
    assert [c.n for c in table] == list(range(1, 13))
    assert [c.escalate_at_most for c in table] == published["escalate"]
    assert [c.de_escalate_at_least for c in table] == published["de_escalate"]
    assert [c.eliminate_at_least for c in table] == published["eliminate"]


@pytest.mark.parametrize(
    ("n", "dlts", "action"),
    [
        (3, 0, Action.ESCALATE),
        (3, 1, Action.STAY),
        (3, 2, Action.DE_ESCALATE),
        (3, 3, Action.ELIMINATE),
        (6, 1, Action.ESCALATE),  # 0.167 <= 0.2365
        (6, 2, Action.STAY),  # 0.333 inside (0.2365, 0.3585)
        (6, 3, Action.DE_ESCALATE),  # 0.5
        (6, 4, Action.ELIMINATE),  # Pr(Bin(7, 0.3) <= 4) = 0.9712
        (9, 2, Action.ESCALATE),  # 0.222
        (9, 3, Action.STAY),
        (9, 4, Action.DE_ESCALATE),  # 0.444; Pr(Bin(10, 0.3) <= 4) = 0.8497, kept
        (12, 5, Action.DE_ESCALATE),  # 0.417 >= 0.3585
        (12, 6, Action.DE_ESCALATE),  # Pr(Bin(13, 0.3) <= 6) = 0.9376 <= 0.95, kept
    ],
)
def test_decision_at_target_0_30(n, dlts, action):
    assert decide(design(), n, dlts) is action


def test_the_table_covers_the_most_patients_a_dose_can_hold():
    assert table_length(design(stop_at_n=9, max_sample_size=24)) == 9
    assert table_length(design(stop_at_n=10, max_sample_size=24)) == 12  # whole cohorts of 3
    assert table_length(design(stop_at_n=12, max_sample_size=9)) == 9


# --- isotonic regression and the MTD ---------------------------------------------------------


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        ([(0, 3), (1, 3), (2, 3)], ["0", "1/3", "2/3"]),  # already increasing
        ([(1, 3), (0, 3)], ["1/6", "1/6"]),  # one violation, pooled
        ([(2, 3), (1, 3), (0, 3)], ["1/3", "1/3", "1/3"]),  # 2/3 > 1/3: 3/6; 1/2 > 0: 3/9
        ([(0, 3), (2, 3), (1, 3), (3, 6)], ["0", "1/2", "1/2", "1/2"]),  # 3/6 then 3/6 = 3/6
        ([(1, 2), (0, 6)], ["1/8", "1/8"]),  # weighted by n: 1/8, not the mean 1/4
    ],
)
def test_isotonic_estimates_by_pooled_adjacent_violators(counts, expected):
    assert isotonic_estimates(counts) == tuple(Fraction(e) for e in expected)


def test_pooling_agrees_with_the_max_min_formula_on_random_data():
    draws = random.Random(2015)
    for _ in range(200):
        counts = []
        for _dose in range(draws.randint(1, 6)):
            n = draws.randint(1, 12)
            counts.append((draws.randint(0, n), n))
        assert list(isotonic_estimates(counts)) == isotonic_by_min_max(counts), counts


def selection(counts, target=0.30):
    return select_mtd(design(target), counts)


def test_mtd_is_the_dose_whose_estimate_is_closest_to_the_target():
    # 0, 1/6, 1/3: distances 0.3, 0.133, 0.033.
    result = selection([("DL1", 3, 0), ("DL2", 6, 1), ("DL3", 6, 2), ("DL4", 0, 0)])
    assert result.mtd == "DL3"
    assert [code for code, _ in result.estimates] == ["DL1", "DL2", "DL3"]  # DL4 untreated


def test_tied_estimates_below_the_target_select_the_higher_dose():
    # 0/3, 1/3, 0/3: DL2 and DL3 pool to 1/6 each, below 0.30.
    result = selection([("DL1", 3, 0), ("DL2", 3, 1), ("DL3", 3, 0)])
    assert dict(result.estimates) == {"DL1": 0, "DL2": Fraction(1, 6), "DL3": Fraction(1, 6)}
    assert result.mtd == "DL3"
    assert "tied with DL2: the highest tied dose below the target is chosen" in result.reason


def test_tied_estimates_above_the_target_select_the_lower_dose():
    # 0/3, 3/6, 1/3: DL2 and DL3 pool to 4/9 = 0.444 each, above 0.30.
    result = selection([("DL1", 3, 0), ("DL2", 6, 3), ("DL3", 3, 1)])
    assert dict(result.estimates)["DL3"] == Fraction(4, 9)
    assert result.mtd == "DL2"
    assert "tied with DL3: the lowest tied dose is chosen" in result.reason


def test_equal_distance_either_side_of_the_target_selects_the_dose_below():
    # 1/5 = 0.2 and 2/5 = 0.4 are both 0.1 from 0.30.
    assert selection([("DL1", 5, 1), ("DL2", 5, 2)]).mtd == "DL1"


def test_eliminated_doses_and_those_above_them_are_not_candidates():
    # DL2 has 3 DLTs in 3 (eliminated); DL3 above it is out too, whatever its data.
    result = selection([("DL1", 3, 0), ("DL2", 3, 3), ("DL3", 3, 1)])
    assert result.estimates == (("DL1", 0),)
    assert result.mtd == "DL1"


def test_lowest_dose_eliminated_means_no_mtd():
    result = selection([("DL1", 3, 3), ("DL2", 0, 0)])
    assert result.mtd is None
    assert "DL1, the lowest dose, is eliminated" in result.reason


# --- the trial on one day --------------------------------------------------------------------
# The enrollments in order, as (level, letters) of tests/trial/cohorts.py.


def trial(*history: tuple[str, str], **changes) -> BoinState:
    subjects = [
        s
        for k, (level, letters) in enumerate(history)
        for s in cohort(level, letters, prefix=f"{k}:")
    ]
    return boin_state(LEVELS, subjects, today=TODAY, design=design(**changes))


def test_no_subjects_opens_the_start_dose():
    assert trial().open_level == "DL1"
    assert trial(start_level="DL2").open_level == "DL2"


def test_an_unknown_start_dose_is_refused():
    with pytest.raises(ValueError, match="start dose 'DL9' is not a configured dose level"):
        trial(start_level="DL9")


def test_a_cohort_fills_while_its_first_subjects_are_in_their_window():
    state = trial(("DL1", "wu"))
    assert state.open_level == "DL1"
    assert state.level("DL1").decision is LevelDecision.ENROLLING
    assert "cohort 2 of 3 places filled" in state.open_reason


def test_no_new_cohort_opens_while_the_windows_are_open():
    state = trial(("DL1", "owd"))
    assert state.open_level is None
    assert "DLT window is open until 2026-12-15 for 1 subject" in state.open_reason
    assert state.level("DL1").decision is LevelDecision.AWAITING_DLT_WINDOW


def test_a_replaced_subject_leaves_the_place_open():
    state = trial(("DL1", "wxw"))
    assert state.open_level == "DL1"
    assert state.level("DL1").enrolled == 3
    assert "1 subject not evaluable, replaced" in state.level("DL1").reason


def test_no_dlt_in_three_escalates():
    state = trial(("DL1", "ooo"))
    assert state.open_level == "DL2"
    assert state.level("DL1").decision is LevelDecision.ESCALATE
    assert "observed rate 0 ≤ λe 0.2365: escalate" in state.level("DL1").reason


def test_one_dlt_in_three_stays():
    state = trial(("DL1", "ooo"), ("DL2", "oDo"))
    assert state.open_level == "DL2"
    assert state.level("DL2").decision is LevelDecision.STAY


def test_two_dlts_in_three_de_escalate():
    state = trial(("DL1", "ooo"), ("DL2", "DDo"))
    assert state.open_level == "DL1"
    assert "de-escalate to DL1" in state.open_reason


def test_de_escalation_at_the_lowest_dose_stays_there():
    state = trial(("DL1", "DDo"))
    assert state.open_level == "DL1"
    assert "stay at DL1: it is the lowest dose" in state.open_reason


def test_escalation_at_the_highest_dose_stays_there():
    state = trial(("DL1", "ooo"), ("DL2", "ooo"), ("DL3", "ooo"), ("DL4", "ooo"))
    assert state.open_level == "DL4"
    assert "stay at DL4: it is the highest dose" in state.open_reason


def test_an_eliminated_dose_closes_itself_and_the_doses_above():
    state = trial(("DL1", "ooo"), ("DL2", "ooo"), ("DL3", "DDD"))
    assert state.open_level == "DL2"
    assert {lv.code for lv in state.levels if lv.eliminated} == {"DL3", "DL4"}
    assert "DL3 and the doses above it are eliminated; de-escalate to DL2" in state.open_reason


def test_escalation_never_returns_to_an_eliminated_dose():
    state = trial(("DL1", "ooo"), ("DL2", "ooo"), ("DL3", "DDD"), ("DL2", "ooo"))
    assert state.level("DL2").decision is LevelDecision.ESCALATE
    assert state.open_level == "DL2"
    assert "stay at DL2: DL3 is eliminated" in state.open_reason


def test_lowest_dose_eliminated_stops_the_trial_without_mtd():
    state = trial(("DL1", "DDD"))
    assert (state.outcome, state.open_level, state.mtd) == (Outcome.STOPPED, None, None)


def test_elimination_mid_cohort_stops_at_once():
    # DL1: 2 DLTs in 3 (stay, lowest dose), then a DLT in the next cohort's first subject:
    # 3 of 4, Pr(Bin(5, 0.3) <= 3) = 0.9692 > 0.95.
    state = trial(("DL1", "DDo"), ("DL1", "d"))
    assert state.outcome is Outcome.STOPPED
    assert state.open_level is None


def test_the_trial_stops_when_the_current_dose_reaches_stop_at_n():
    # DL2: 1/3 stay, 2/6 stay, 2/9 = 0.222 <= 0.2365 would escalate, but 9 patients at DL2
    # reach stop_at_n = 9. Isotonic estimates 0, 2/9: DL2 is the closest to 0.30.
    state = trial(("DL1", "ooo"), ("DL2", "oDo"), ("DL2", "Doo"), ("DL2", "ooo"), stop_at_n=9)
    assert (state.outcome, state.open_level, state.mtd) == (Outcome.MTD_SELECTED, None, "DL2")
    assert dict(state.selection.estimates) == {"DL1": 0, "DL2": Fraction(2, 9)}
    assert "DL2, the current dose, has 9 evaluable patients" in state.open_reason


def test_the_trial_ends_at_the_maximum_sample_size_after_the_last_window():
    history = (("DL1", "ooo"), ("DL2", "ooo"), ("DL3", "oDo"), ("DL3", "ow"))
    state = trial(*history, max_sample_size=11)
    assert state.open_level is None
    assert state.outcome is Outcome.ESCALATING
    assert "maximum sample size of 11 is reached" in state.open_reason

    done = trial(*history[:-1], ("DL3", "oo"), max_sample_size=11)
    assert done.outcome is Outcome.MTD_SELECTED
    # 0, 0, 1/5: DL3 at 0.2 is the closest to 0.30.
    assert done.mtd == "DL3"


def test_a_subject_at_an_unconfigured_level_is_refused():
    with pytest.raises(ValueError, match="'DL9', which is not configured"):
        trial(("DL9", "o"))
