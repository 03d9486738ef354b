"""Inclusion 7 from the screening lab panel (screening.lab_panel): the answers the panel
gives, and where a typed answer disagrees with it. Pure: no database."""

from datetime import date
from decimal import Decimal

import pytest

from screening.eligibility import LabLimit, LabResult
from screening.lab_panel import (
    CHECK_CODE,
    PanelResult,
    cross_check,
    disagreements,
    panel_answers,
)

ANC = LabLimit("anc", "Absolute neutrophil count", "10^9/L", minimum=Decimal("1.5"), test="NEUT")
ALT = LabLimit("alt", "ALT", "x ULN", maximum=Decimal("2.5"), relative_to_uln=True, test="ALT")
HGB = LabLimit("haemoglobin", "Haemoglobin", "g/dL", minimum=Decimal(9), test="HGB")
UNMAPPED = LabLimit("inr", "INR", "ratio", maximum=Decimal("1.5"))
ON = date(2026, 11, 18)


def result(value, unit="10^9/L", uln=None, title="Neutrophils collected on 2026-11-18"):
    return PanelResult(
        Decimal(value), unit, None if uln is None else Decimal(uln), ON, title
    )  # fmt: skip


PANEL = {
    "NEUT": result("1.8000"),
    "ALT": result("52.0000", "U/L", "40.0000", "Alanine Aminotransferase collected on ..."),
    "HGB": result("121.0000", "g/L"),
}


def test_the_panel_gives_the_limits_it_has_a_test_for_in_the_crfs_precision():
    answers = panel_answers([ANC, ALT, HGB, UNMAPPED], PANEL)
    assert set(answers) == {"anc", "alt", "haemoglobin"}
    assert (answers["anc"].value, answers["anc"].uln, answers["anc"].problem) == (
        Decimal("1.800"),
        None,
        "",
    )
    # Relative to the ULN: the value and the ULN of the same result.
    assert (answers["alt"].value, answers["alt"].uln) == (Decimal("52.000"), Decimal("40.000"))
    # A limit in another unit than the test's standard one is not filled.
    assert answers["haemoglobin"].value is None
    assert answers["haemoglobin"].problem == "in g/L, not g/dL"


def test_a_limit_relative_to_the_uln_needs_a_range_in_force():
    answers = panel_answers([ALT], {"ALT": result("52", "U/L", uln=None)})
    assert answers["alt"].problem == "no normal range in force for it"


def test_no_panel_result_gives_no_answer():
    assert panel_answers([ANC, ALT], {}) == {}


@pytest.mark.parametrize(
    "typed, agrees",
    [
        (None, None),  # not typed: nothing to compare
        ("1.8", True),
        ("1.800", True),
        ("1.801", False),  # the CRF's last decimal
        ("1.799", False),
        ("18", False),  # a slipped decimal point
    ],
)
def test_an_absolute_value_agrees_to_three_decimals(typed, agrees):
    typed_labs = {} if typed is None else {"anc": LabResult(Decimal(typed))}
    (check,) = cross_check([ANC], typed_labs, PANEL)
    assert check.agrees is agrees


def test_the_panel_value_is_rounded_half_up_to_the_crfs_three_decimals():
    panel = {"NEUT": result("1.8005")}
    (check,) = cross_check([ANC], {"anc": LabResult(Decimal("1.801"))}, panel)
    assert check.agrees is True


@pytest.mark.parametrize(
    "value, uln, agrees",
    [
        ("52", "40", True),
        ("52", "45", False),  # the site's ULN differs
        ("50", "40", False),
        ("52", None, False),  # the ULN left empty on the CRF
    ],
)
def test_relative_to_the_uln_both_value_and_uln_must_agree(value, uln, agrees):
    typed = {"alt": LabResult(Decimal(value), None if uln is None else Decimal(uln))}
    (check,) = cross_check([ALT], typed, PANEL)
    assert check.agrees is agrees


def test_a_limit_the_panel_cannot_give_is_not_compared():
    (check,) = cross_check([HGB], {"haemoglobin": LabResult(Decimal("12.1"))}, PANEL)
    assert check.agrees is None
    assert "in g/L, not g/dL" in check.panel


def test_a_disagreement_is_a_query_on_the_labs_naming_both_values():
    checks = cross_check(
        [ANC, ALT],
        {"anc": LabResult(Decimal("2.1")), "alt": LabResult(Decimal(52), Decimal(40))},
        PANEL,
    )
    (failure,) = disagreements(checks)
    assert (failure.check_code, failure.field_name) == (f"{CHECK_CODE}:anc", "labs")
    assert failure.message == (
        "Inclusion 7, Absolute neutrophil count: the CRF has 2.1 10^9/L, the screening lab "
        "panel gives 1.8 10^9/L (Neutrophils collected on 2026-11-18). Correct the CRF or the "
        "lab result."
    )
