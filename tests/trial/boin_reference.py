"""An independent BOIN reference for the tests: the published decision table and a trial
written directly from it, sharing no code with trial/boin.py.

The tables are the ones published with the design (Liu & Yuan 2015; the BOIN software's
boundaries for targets 0.30 and 0.25, φ1 = 0.6φ, φ2 = 1.4φ, cut-off 0.95), n = 1..12:
escalate if the number of DLTs at the current dose is at most the first row, de-escalate if
at least the second, eliminate if at least the third (None: NA, fewer than 3 patients).
"""

import random
from fractions import Fraction

PUBLISHED_TABLES = {
    0.30: {
        "escalate": [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2],
        "de_escalate": [1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 5],
        "eliminate": [None, None, 3, 3, 4, 4, 5, 5, 5, 6, 6, 7],
    },
    0.25: {
        "escalate": [0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 2],
        "de_escalate": [1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 4, 4],
        "eliminate": [None, None, 3, 3, 3, 4, 4, 4, 5, 5, 6, 6],
    },
}


def isotonic_by_min_max(counts: list[tuple[int, int]]) -> list[Fraction]:
    """Isotonic regression by the max-min formula (not by pooling): the estimate at dose i is
    max over s <= i of min over t >= i of (DLTs s..t) / (patients s..t)."""
    size = len(counts)

    def rate(s, t):
        block = counts[s : t + 1]
        return Fraction(sum(y for y, _ in block), sum(n for _, n in block))

    return [max(min(rate(s, t) for t in range(i, size)) for s in range(i + 1)) for i in range(size)]


def reference_trial(
    true_rates: list[float],
    *,
    seed: int,
    target: float = 0.30,
    cohort_size: int = 3,
    max_sample_size: int = 18,
    stop_at_n: int = 9,
) -> tuple[list[tuple[int, int]], int | None]:
    """The cohorts ((dose index, DLTs)) and the MTD index of a BOIN trial from the start dose
    0, a patient having a DLT when the next `random.Random(seed).random()` is below the true
    rate of their dose."""
    table = PUBLISHED_TABLES[target]
    draws = random.Random(seed)
    levels = len(true_rates)
    n, y = [0] * levels, [0] * levels
    lowest_eliminated = levels
    dose, cohorts = 0, []
    while sum(n) < max_sample_size:
        dlts = sum(draws.random() < true_rates[dose] for _ in range(cohort_size))
        cohorts.append((dose, dlts))
        n[dose] += cohort_size
        y[dose] += dlts
        at = n[dose] - 1
        if table["eliminate"][at] is not None and y[dose] >= table["eliminate"][at]:
            lowest_eliminated = min(lowest_eliminated, dose)
        if lowest_eliminated == 0:
            return cohorts, None
        if sum(n) >= max_sample_size or n[dose] >= stop_at_n:
            break
        if dose >= lowest_eliminated:
            dose = lowest_eliminated - 1
        elif y[dose] <= table["escalate"][at]:
            dose += dose + 1 < lowest_eliminated
        elif y[dose] >= table["de_escalate"][at]:
            dose -= dose > 0
    candidates = [i for i in range(lowest_eliminated) if n[i] > 0]
    estimates = isotonic_by_min_max([(y[i], n[i]) for i in candidates])
    phi = Fraction(str(target))

    def preference(k):
        below = estimates[k] < phi
        return (abs(estimates[k] - phi), not below, -k if below else k)

    return cohorts, candidates[min(range(len(candidates)), key=preference)]
