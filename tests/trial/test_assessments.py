"""The schedule of assessments (trial.assessments): entries checked against the study's visits
and the forms that can be scheduled, and what each visit expects. No database."""

from datetime import date, timedelta

import pytest

from trial import schedule
from trial.assessments import (
    Assessment,
    ExpectedForm,
    ScheduleError,
    assessments_from,
    expected_at,
    forms_owed,
)

VISITS = schedule.standard_definitions(
    cycle_length_days=21,
    max_cycles=6,
    safety_days=[2, 8, 15],
    safety_window_days={2: 0, 8: 1, 15: 2},
    dosing_window_days=3,
    eot_within_days=30,
    followup_months=[1, 3, 6, 9, 12],
    followup_window_days=14,
    screening_days=28,
)
FORMS = {
    "screening.consent": (),
    "dosing.dosingrecord": (),
    "labs.labresult": ("haematology", "chemistry"),
}
# The study file's schedule (studies/il22bp_lnp.toml), as entries.
ENTRIES = [
    {"form": "screening.consent", "visits": ["SCR"]},
    {"form": "dosing.dosingrecord", "visit_kinds": ["dosing"]},
    {
        "form": "labs.labresult",
        "panel": "haematology",
        "visits": ["SCR", "C1D8", "C1D15", "EOT"],
        "visit_kinds": ["dosing"],
    },
    {"form": "labs.labresult", "panel": "chemistry", "visits": ["C1D8"]},
]
CONSENT = ExpectedForm("screening.consent")
DOSING = ExpectedForm("dosing.dosingrecord")
HAEM = ExpectedForm("labs.labresult", "haematology")
CHEM = ExpectedForm("labs.labresult", "chemistry")
KIND_OF = {d.code: d.kind.value for d in VISITS}


def schedule_of(entries=ENTRIES):
    return assessments_from(entries, visits=VISITS, forms=FORMS)


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("SCR", (CONSENT, HAEM)),
        ("C1D1", (DOSING, HAEM)),
        ("C1D2", ()),
        ("C1D8", (HAEM, CHEM)),
        ("C1D15", (HAEM,)),
        ("C2D1", (DOSING, HAEM)),
        ("C6D1", (DOSING, HAEM)),
        ("EOT", (HAEM,)),
        ("FU1M", ()),
    ],
)
def test_each_visit_expects_the_forms_scheduled_at_its_code_or_its_kind(code, expected):
    assert expected_at(schedule_of(), code=code, kind=KIND_OF[code]) == expected


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        ({}, (DOSING, HAEM)),
        ({"not_applicable": True}, ()),
        ({"missed_recorded": True}, ()),
    ],
    ids=["held", "not-applicable", "recorded-missed"],
)
def test_a_visit_not_applicable_or_recorded_missed_expects_nothing(facts, expected):
    assert expected_at(schedule_of(), code="C3D1", kind="dosing", **facts) == expected


def test_no_schedule_expects_no_form():
    assert expected_at(schedule_of([]), code="C1D1", kind="dosing") == ()


def test_entries_keep_their_order_and_survive_being_stored():
    found = schedule_of()
    assert [a.form for a in found] == [CONSENT, DOSING, HAEM, CHEM]
    assert tuple(Assessment.from_stored(a.as_stored()) for a in found) == found


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"form": "labs.ecg", "visits": ["SCR"]}, r"entry 1: form 'labs.ecg' is not a CRF kind"),
        ({"visits": ["SCR"]}, r"entry 1: form None is not a CRF kind"),
        ({"form": "labs.labresult", "visits": ["SCR"]}, r"panel must be one of haematology, "),
        (
            {"form": "labs.labresult", "panel": "urinalysis", "visits": ["SCR"]},
            r"\(labs.labresult\): panel must be one of .*got 'urinalysis'",
        ),
        (
            {"form": "dosing.dosingrecord", "panel": "pre", "visits": ["C1D1"]},
            r"dosing.dosingrecord has no panels, got panel 'pre'",
        ),
        (
            {"form": "dosing.dosingrecord", "visits": ["C1D1", "C7D1"]},
            r"unknown visit code C7D1 \(the study has SCR, C1D1, ",
        ),
        (
            {"form": "dosing.dosingrecord", "visit_kinds": ["treatment"]},
            r"unknown visit kind treatment",
        ),
        ({"form": "dosing.dosingrecord", "visits": "C1D1"}, r"visits must be a list of visit"),
        ({"form": "dosing.dosingrecord", "visits": ["C1D1", "C1D1"]}, r"names a visit code twice"),
        ({"form": "dosing.dosingrecord"}, r"names no visit"),
        ({"form": "dosing.dosingrecord", "visits": [], "visit_kinds": []}, r"names no visit"),
        ({"form": "dosing.dosingrecord", "visit": ["C1D1"]}, r"unknown keys visit"),
        ("dosing.dosingrecord", r"entry 1 must be a table"),
    ],
)
def test_a_bad_entry_is_refused_naming_it_and_the_rule(entry, message):
    with pytest.raises(ScheduleError, match=message):
        schedule_of([entry])


def test_the_same_form_in_two_entries_is_refused():
    twice = [{"form": "dosing.dosingrecord", "visits": ["C1D1"]}] * 2
    with pytest.raises(ScheduleError, match=r"entry 2 .*already scheduled by entry 1"):
        schedule_of(twice)


def test_two_panels_of_one_kind_are_two_forms():
    both = [
        {"form": "labs.labresult", "panel": "haematology", "visits": ["SCR"]},
        {"form": "labs.labresult", "panel": "chemistry", "visits": ["SCR"]},
    ]
    assert expected_at(schedule_of(both), code="SCR", kind="screening") == (HAEM, CHEM)


def test_the_schedule_must_be_a_list_of_tables():
    with pytest.raises(ScheduleError, match=r"must be a list of tables"):
        schedule_of({"form": "dosing.dosingrecord"})


CLOSES = date(2026, 3, 10)


@pytest.mark.parametrize(
    ("today", "completed_on", "facts", "owed"),
    [
        (CLOSES, None, {}, False),  # the window's last day: still time
        (CLOSES + timedelta(days=1), None, {}, True),  # the day after it closed
        (CLOSES - timedelta(days=5), CLOSES - timedelta(days=6), {}, True),  # performed
        (CLOSES - timedelta(days=5), None, {}, False),
        (CLOSES + timedelta(days=1), None, {"not_applicable": True}, False),
        (CLOSES + timedelta(days=1), None, {"missed_recorded": True}, False),
    ],
)
def test_forms_are_owed_once_performed_or_the_day_after_the_window(
    today, completed_on, facts, owed
):
    assert (
        forms_owed(today=today, window_closes_on=CLOSES, completed_on=completed_on, **facts) == owed
    )
