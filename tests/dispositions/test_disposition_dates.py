"""When a disposition may be dated (dispositions.disposition_dates), without a database."""

from datetime import date

import pytest

from dispositions.disposition_dates import DispositionFacts, disposition_date_problems

TODAY = date(2026, 12, 1)
CONSENT = date(2026, 9, 1)
LAST_DOSE = date(2026, 10, 15)


def problems(on, *, kind="death", label="Death", consent=CONSENT, last_dose=LAST_DOSE):
    facts = DispositionFacts(kind, label, on, consent, last_dose)
    return disposition_date_problems(facts, today=TODAY)


@pytest.mark.parametrize(
    ("kind", "label", "on", "expected"),
    [
        # Withdrawal before consent (the case) and on the consent day.
        (
            "withdrawal",
            "Withdrawal of consent",
            date(2026, 8, 31),
            [
                "Withdrawal of consent date 2026-08-31 is before informed consent (2026-09-01).",
                "Withdrawal of consent date 2026-08-31 is before the last recorded dose "
                "(2026-10-15).",
            ],
        ),
        (
            "death",
            "Death",
            date(2026, 10, 14),
            ["Death date 2026-10-14 is before the last recorded dose (2026-10-15)."],
        ),
        ("death", "Death", LAST_DOSE, []),
        ("death", "Death", TODAY, []),
        ("death", "Death", date(2026, 12, 2), ["Death date 2026-12-02 is in the future."]),
        (
            "end_of_study",
            "End of study (completed)",
            date(1, 1, 1),
            ["End of study (completed) date 0001-01-01 is before 1900-01-01: not plausible."],
        ),
        ("end_of_treatment", "End of treatment", LAST_DOSE, []),
    ],
)
def test_disposition_date_problems(kind, label, on, expected):
    assert problems(on, kind=kind, label=label) == expected


def test_withdrawal_on_the_consent_day_of_a_subject_never_dosed_is_allowed():
    assert problems(CONSENT, kind="withdrawal", label="Withdrawal", last_dose=None) == []


def test_withdrawal_the_day_before_consent_is_refused_without_doses():
    assert problems(date(2026, 8, 31), label="Withdrawal", last_dose=None) == [
        "Withdrawal date 2026-08-31 is before informed consent (2026-09-01)."
    ]
