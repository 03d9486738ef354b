"""The adverse event rules, table-driven, without a database."""

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from adverse_events.rules import (
    ActionTaken,
    AeFacts,
    Baseline,
    ClockState,
    DltCandidate,
    Expectedness,
    Outcome,
    Period,
    Relationship,
    SeriousCriterion,
    baseline_comparison,
    check_consistency,
    classify_period,
    dlt_candidate,
    is_related,
    is_susar,
    sae_clock_status,
    sae_report_due_at,
    susar_report_due_at,
    worst_grade,
)

CONSENT = date(2026, 1, 5)
FIRST_DOSE = date(2026, 1, 20)
LAST_DOSE = date(2026, 3, 1)
TE_WINDOW_DAYS = 30
ONSET = date(2026, 2, 2)
PARIS = ZoneInfo("Europe/Paris")

# A grade 2 nausea that resolved: breaks no rule.
RESOLVED = AeFacts(
    onset_date=ONSET,
    end_date=ONSET + timedelta(days=4),
    ongoing=False,
    grade=2,
    outcome=Outcome.RECOVERED,
    relationship=Relationship.POSSIBLE,
    expectedness=Expectedness.EXPECTED,
    term="Nausea",
    available_grades=frozenset({1, 2, 3}),
    consent_date=CONSENT,
    first_dose_date=FIRST_DOSE,
    last_dose_date=LAST_DOSE,
    treatment_emergent_window_days=TE_WINDOW_DAYS,
)
# A fatal sepsis, recorded as it should be: breaks no rule.
FATAL = replace(
    RESOLVED,
    end_date=ONSET + timedelta(days=6),
    grade=5,
    serious=True,
    serious_criteria=frozenset({SeriousCriterion.DEATH}),
    outcome=Outcome.FATAL,
    death_date=ONSET + timedelta(days=6),
    term="Sepsis",
    available_grades=frozenset({3, 4, 5}),
)
ONGOING = replace(RESOLVED, ongoing=True, end_date=None, outcome=Outcome.NOT_RECOVERED)
SERIOUS = replace(
    RESOLVED,
    grade=3,
    serious=True,
    serious_criteria=frozenset({SeriousCriterion.HOSPITALISATION}),
)


# --- enumerations ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("enum", "values"),
    [
        (Relationship, ["not_related", "unlikely", "possible", "probable", "definite"]),
        (
            Outcome,
            [
                "recovered",
                "recovering",
                "not_recovered",
                "recovered_with_sequelae",
                "fatal",
                "unknown",
            ],
        ),
        (
            SeriousCriterion,
            [
                "death",
                "life_threatening",
                "hospitalisation",
                "disability",
                "congenital_anomaly",
                "important_medical_event",
            ],
        ),
        (Expectedness, ["expected", "unexpected"]),
        (
            ActionTaken,
            [
                "dose_not_changed",
                "dose_reduced",
                "dose_delayed",
                "drug_interrupted",
                "drug_withdrawn",
                "not_applicable",
                "unknown",
            ],
        ),
        (Period, ["medical_history", "pre_treatment", "treatment_emergent", "post_treatment"]),
    ],
    ids=lambda x: x.__name__ if isinstance(x, type) else "",
)
def test_enum_choices_are_value_label_pairs_in_declared_order(enum, values):
    choices = enum.choices()

    assert isinstance(choices, tuple)
    assert [value for value, _ in choices] == values
    assert all(isinstance(label, str) and label for _, label in choices)
    assert [enum(value).label for value in values] == [label for _, label in choices]


def test_enum_members_compare_equal_to_their_stored_string():
    assert Relationship.POSSIBLE == "possible"
    assert str(Outcome.RECOVERED_WITH_SEQUELAE) == "recovered_with_sequelae"
    assert Relationship("definite") is Relationship.DEFINITE


@pytest.mark.parametrize(
    ("relationship", "related"),
    [
        (Relationship.NOT_RELATED, False),
        (Relationship.UNLIKELY, False),
        (Relationship.POSSIBLE, True),
        (Relationship.PROBABLE, True),
        (Relationship.DEFINITE, True),
        (None, False),
    ],
)
def test_only_possible_probable_and_definite_count_as_related(relationship, related):
    assert is_related(relationship) is related
    if relationship is not None:
        assert relationship.is_related is related


# --- consistency ----------------------------------------------------------------------------


def rules_broken(facts: AeFacts) -> set[tuple[str, str]]:
    return {(p.field, p.rule) for p in check_consistency(facts)}


# (case, facts, the (field, rule) pairs broken: exactly these and no others)
VIOLATIONS = [
    (
        "onset_day_before_consent_is_medical_history",
        replace(RESOLVED, onset_date=CONSENT - timedelta(days=1)),
        {("onset_date", "medical_history")},
    ),
    (
        "ongoing_with_end_date",
        replace(ONGOING, end_date=ONSET + timedelta(days=3), outcome=Outcome.UNKNOWN),
        {("end_date", "ongoing_has_no_end_date")},
    ),
    (
        "not_ongoing_without_end_date",
        replace(RESOLVED, end_date=None),
        {("end_date", "ended_needs_end_date")},
    ),
    (
        "end_day_before_onset",
        replace(RESOLVED, end_date=ONSET - timedelta(days=1)),
        {("end_date", "end_not_before_onset")},
    ),
    ("grade_6", replace(RESOLVED, grade=6), {("grade", "grade_in_range")}),
    ("grade_0", replace(RESOLVED, grade=0), {("grade", "grade_in_range")}),
    (
        "grade_4_for_a_term_graded_1_to_3",
        replace(RESOLVED, grade=4),
        {("grade", "grade_exists_for_term")},
    ),
    (
        "outcome_fatal_with_grade_4",
        replace(FATAL, grade=4, serious_criteria=frozenset({SeriousCriterion.LIFE_THREATENING})),
        {("grade", "fatal_outcome_needs_grade_5")},
    ),
    (
        "outcome_fatal_without_grade",
        replace(FATAL, grade=None, serious_criteria=frozenset({SeriousCriterion.LIFE_THREATENING})),
        {("grade", "fatal_outcome_needs_grade_5")},
    ),
    (
        "grade_5_with_outcome_unknown",
        replace(FATAL, outcome=Outcome.UNKNOWN),
        {("outcome", "grade_5_needs_fatal_outcome")},
    ),
    (
        "grade_5_without_outcome",
        replace(FATAL, outcome=None),
        {("outcome", "grade_5_needs_fatal_outcome")},
    ),
    (
        "grade_5_and_fatal_without_death_date",
        replace(FATAL, death_date=None),
        {("death_date", "fatal_needs_death_date")},
    ),
    (
        "grade_5_alone_without_death_date",
        replace(FATAL, outcome=Outcome.UNKNOWN, death_date=None),
        {("outcome", "grade_5_needs_fatal_outcome"), ("death_date", "fatal_needs_death_date")},
    ),
    (
        "death_day_before_onset",
        replace(FATAL, death_date=ONSET - timedelta(days=1)),
        {("death_date", "death_not_before_onset")},
    ),
    (
        "ended_but_not_recovered",
        replace(RESOLVED, outcome=Outcome.NOT_RECOVERED),
        {("outcome", "ended_outcome")},
    ),
    (
        "ended_but_recovering",
        replace(RESOLVED, outcome=Outcome.RECOVERING),
        {("outcome", "ended_outcome")},
    ),
    (
        "ongoing_but_recovered",
        replace(ONGOING, outcome=Outcome.RECOVERED),
        {("outcome", "ongoing_outcome")},
    ),
    (
        "ongoing_but_recovered_with_sequelae",
        replace(ONGOING, outcome=Outcome.RECOVERED_WITH_SEQUELAE),
        {("outcome", "ongoing_outcome")},
    ),
    (
        "ongoing_but_fatal",
        replace(FATAL, ongoing=True, end_date=None),
        {("outcome", "ongoing_outcome")},
    ),
    (
        "serious_without_criterion",
        replace(SERIOUS, serious_criteria=frozenset()),
        {("serious_criteria", "serious_needs_criterion")},
    ),
    (
        "criterion_without_serious",
        replace(SERIOUS, serious=False),
        {("serious", "criterion_needs_serious")},
    ),
    (
        "grade_5_not_serious",
        replace(FATAL, serious=False, serious_criteria=frozenset()),
        {("serious", "fatal_is_serious")},
    ),
    (
        "death_criterion_with_grade_3",
        replace(
            SERIOUS,
            serious_criteria=frozenset({SeriousCriterion.DEATH, SeriousCriterion.HOSPITALISATION}),
        ),
        {("serious_criteria", "death_criterion_needs_grade_5")},
    ),
    (
        "grade_5_serious_without_death_criterion",
        replace(FATAL, serious_criteria=frozenset({SeriousCriterion.LIFE_THREATENING})),
        {("serious_criteria", "grade_5_needs_death_criterion")},
    ),
]

# (case, the rule it satisfies, facts): each rule broken above is also shown satisfied.
SATISFIED = [
    ("onset_on_consent_day_is_an_ae", "medical_history", replace(RESOLVED, onset_date=CONSENT)),
    ("onset_without_consent_date", "medical_history", replace(RESOLVED, consent_date=None)),
    ("ongoing_without_end_date", "ongoing_has_no_end_date", ONGOING),
    ("not_ongoing_with_end_date", "ended_needs_end_date", RESOLVED),
    ("ends_on_onset_day", "end_not_before_onset", replace(RESOLVED, end_date=ONSET)),
    ("grade_1", "grade_in_range", replace(RESOLVED, grade=1)),
    ("grade_not_recorded", "grade_in_range", replace(RESOLVED, grade=None)),
    ("grade_3_for_a_term_graded_1_to_3", "grade_exists_for_term", replace(RESOLVED, grade=3)),
    (
        "grade_4_before_a_term_is_chosen",
        "grade_exists_for_term",
        replace(RESOLVED, grade=4, available_grades=frozenset(), term=None),
    ),
    ("outcome_fatal_with_grade_5", "fatal_outcome_needs_grade_5", FATAL),
    ("grade_5_with_outcome_fatal", "grade_5_needs_fatal_outcome", FATAL),
    ("fatal_with_death_date", "fatal_needs_death_date", FATAL),
    ("death_on_onset_day", "death_not_before_onset", replace(FATAL, death_date=ONSET)),
    ("ended_and_recovered", "ended_outcome", RESOLVED),
    (
        "ended_with_sequelae",
        "ended_outcome",
        replace(RESOLVED, outcome=Outcome.RECOVERED_WITH_SEQUELAE),
    ),
    ("ended_outcome_unknown", "ended_outcome", replace(RESOLVED, outcome=Outcome.UNKNOWN)),
    ("ongoing_and_not_recovered", "ongoing_outcome", ONGOING),
    ("ongoing_and_recovering", "ongoing_outcome", replace(ONGOING, outcome=Outcome.RECOVERING)),
    ("ongoing_outcome_unknown", "ongoing_outcome", replace(ONGOING, outcome=Outcome.UNKNOWN)),
    ("serious_with_hospitalisation", "serious_needs_criterion", SERIOUS),
    ("not_serious_without_criteria", "criterion_needs_serious", RESOLVED),
    ("grade_5_serious", "fatal_is_serious", FATAL),
    ("death_criterion_with_grade_5", "death_criterion_needs_grade_5", FATAL),
    ("grade_5_with_death_criterion", "grade_5_needs_death_criterion", FATAL),
    (
        "grade_5_with_death_and_hospitalisation",
        "grade_5_needs_death_criterion",
        replace(
            FATAL,
            serious_criteria=frozenset({SeriousCriterion.DEATH, SeriousCriterion.HOSPITALISATION}),
        ),
    ),
]


@pytest.mark.parametrize(
    ("facts", "broken"),
    [(facts, broken) for _, facts, broken in VIOLATIONS],
    ids=[case for case, _, _ in VIOLATIONS],
)
def test_consistency_rule_is_broken(facts, broken):
    assert rules_broken(facts) == broken


@pytest.mark.parametrize(
    ("rule", "facts"),
    [(rule, facts) for _, rule, facts in SATISFIED],
    ids=[case for case, _, _ in SATISFIED],
)
def test_consistency_rule_is_satisfied(rule, facts):
    assert check_consistency(facts) == []


ALL_RULES = {
    "medical_history",
    "ongoing_has_no_end_date",
    "ended_needs_end_date",
    "end_not_before_onset",
    "grade_in_range",
    "grade_exists_for_term",
    "fatal_outcome_needs_grade_5",
    "grade_5_needs_fatal_outcome",
    "fatal_needs_death_date",
    "death_not_before_onset",
    "ended_outcome",
    "ongoing_outcome",
    "serious_needs_criterion",
    "criterion_needs_serious",
    "fatal_is_serious",
    "death_criterion_needs_grade_5",
    "grade_5_needs_death_criterion",
}


def test_every_consistency_rule_is_tested_both_ways():
    broken = {rule for _, _, pairs in VIOLATIONS for _, rule in pairs}
    satisfied = {rule for _, rule, _ in SATISFIED}

    assert broken == satisfied == ALL_RULES


def test_every_problem_message_names_what_is_wrong():
    for _, facts, _ in VIOLATIONS:
        for problem in check_consistency(facts):
            assert problem.message
            assert problem.field and problem.rule


def test_grade_missing_for_term_message_names_grade_term_and_available_grades():
    (problem,) = check_consistency(replace(RESOLVED, grade=4))

    assert problem.message == "grade 4 does not exist for the CTCAE term 'Nausea' (grades: 1, 2, 3)"


def test_grade_missing_for_unnamed_term_message_still_reads():
    (problem,) = check_consistency(replace(RESOLVED, grade=4, term=None))

    assert problem.message.startswith("grade 4 does not exist for the chosen CTCAE term")


def test_medical_history_message_says_where_to_record_it():
    (problem,) = check_consistency(replace(RESOLVED, onset_date=date(2026, 1, 4)))

    assert "2026-01-04" in problem.message
    assert "before informed consent on 2026-01-05" in problem.message
    assert "medical history" in problem.message


def test_problems_accumulate_rather_than_stop_at_the_first():
    facts = replace(
        RESOLVED,
        onset_date=CONSENT - timedelta(days=2),
        end_date=CONSENT - timedelta(days=3),
        grade=4,
        outcome=Outcome.NOT_RECOVERED,
        serious=True,
    )

    assert rules_broken(facts) == {
        ("onset_date", "medical_history"),
        ("end_date", "end_not_before_onset"),
        ("grade", "grade_exists_for_term"),
        ("serious_criteria", "serious_needs_criterion"),
        ("outcome", "ended_outcome"),
    }


def test_negative_treatment_emergent_window_is_refused():
    with pytest.raises(ValueError, match="treatment_emergent_window_days"):
        replace(RESOLVED, treatment_emergent_window_days=-1)


# --- period ---------------------------------------------------------------------------------

TE_END = LAST_DOSE + timedelta(days=TE_WINDOW_DAYS)  # 2026-03-31


@pytest.mark.parametrize(
    ("onset", "first_dose", "last_dose", "period"),
    [
        (CONSENT - timedelta(days=1), FIRST_DOSE, LAST_DOSE, Period.MEDICAL_HISTORY),
        (CONSENT, FIRST_DOSE, LAST_DOSE, Period.PRE_TREATMENT),
        (FIRST_DOSE - timedelta(days=1), FIRST_DOSE, LAST_DOSE, Period.PRE_TREATMENT),
        (FIRST_DOSE, FIRST_DOSE, LAST_DOSE, Period.TREATMENT_EMERGENT),
        (LAST_DOSE, FIRST_DOSE, LAST_DOSE, Period.TREATMENT_EMERGENT),
        (TE_END, FIRST_DOSE, LAST_DOSE, Period.TREATMENT_EMERGENT),
        (TE_END + timedelta(days=1), FIRST_DOSE, LAST_DOSE, Period.POST_TREATMENT),
        (date(2027, 1, 1), None, None, Period.PRE_TREATMENT),
        (CONSENT - timedelta(days=1), None, None, Period.MEDICAL_HISTORY),
        (date(2027, 1, 1), FIRST_DOSE, None, Period.TREATMENT_EMERGENT),
    ],
    ids=[
        "day_before_consent_is_medical_history",
        "consent_day_is_pre_treatment",
        "day_before_first_dose_is_pre_treatment",
        "first_dose_day_is_treatment_emergent",
        "last_dose_day_is_treatment_emergent",
        "last_dose_plus_window_is_treatment_emergent",
        "day_after_last_dose_plus_window_is_post_treatment",
        "no_dose_yet_is_pre_treatment",
        "no_dose_yet_before_consent_is_medical_history",
        "on_treatment_without_last_dose_is_treatment_emergent",
    ],
)
def test_period_of_onset(onset, first_dose, last_dose, period):
    assert (
        classify_period(
            onset,
            consent_date=CONSENT,
            first_dose_date=first_dose,
            last_dose_date=last_dose,
            window_days=TE_WINDOW_DAYS,
        )
        is period
    )


def test_treatment_emergent_window_of_zero_days_ends_on_the_last_dose_day():
    def period(onset):
        return classify_period(
            onset,
            consent_date=CONSENT,
            first_dose_date=FIRST_DOSE,
            last_dose_date=LAST_DOSE,
            window_days=0,
        )

    assert period(LAST_DOSE) is Period.TREATMENT_EMERGENT
    assert period(LAST_DOSE + timedelta(days=1)) is Period.POST_TREATMENT


@pytest.mark.parametrize(
    ("first_dose", "last_dose", "window_days", "message"),
    [
        (FIRST_DOSE, FIRST_DOSE - timedelta(days=1), 30, "before the first dose"),
        (None, LAST_DOSE, 30, "needs a first dose"),
        (FIRST_DOSE, LAST_DOSE, -1, "window_days"),
    ],
    ids=["last_dose_before_first", "last_dose_without_first", "negative_window"],
)
def test_impossible_dose_dates_or_window_are_refused(first_dose, last_dose, window_days, message):
    with pytest.raises(ValueError, match=message):
        classify_period(
            ONSET,
            consent_date=CONSENT,
            first_dose_date=first_dose,
            last_dose_date=last_dose,
            window_days=window_days,
        )


def test_facts_period_uses_the_facts_dates_and_window():
    assert RESOLVED.period is Period.TREATMENT_EMERGENT
    assert replace(RESOLVED, onset_date=TE_END + timedelta(days=1)).period is Period.POST_TREATMENT
    assert replace(RESOLVED, consent_date=None).period is None


# --- worst grade ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("grades", "worst"),
    [
        ([], None),
        ([None, None], None),
        ([2], 2),
        ([1, None, 3, 2], 3),
        ([None, 5, 4], 5),
        (iter([3, 1]), 3),
    ],
    ids=["none", "only_ungraded", "one", "ungraded_ignored", "grade_5", "any_iterable"],
)
def test_worst_grade_is_the_highest_recorded_grade(grades, worst):
    assert worst_grade(grades) == worst


# --- SAE 24-hour clock ----------------------------------------------------------------------

AWARE = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DUE = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)


def hm(hours: int, minutes: int = 0, seconds: int = 0) -> timedelta:
    return timedelta(hours=hours, minutes=minutes, seconds=seconds)


def test_sae_report_is_due_exactly_24_hours_after_awareness():
    assert sae_report_due_at(AWARE) == DUE


@pytest.mark.parametrize(
    ("since_awareness", "state", "remaining"),
    [
        (hm(1), ClockState.ON_TIME, hm(23)),
        (hm(11, 59), ClockState.ON_TIME, hm(12, 1)),
        (hm(12), ClockState.DUE_SOON, hm(12)),
        (hm(23, 59), ClockState.DUE_SOON, hm(0, 1)),
        (hm(24), ClockState.DUE_SOON, hm(0)),
        (hm(24, 0, 1), ClockState.OVERDUE, -hm(0, 0, 1)),
        (hm(24, 1), ClockState.OVERDUE, -hm(0, 1)),
        (hm(-1), ClockState.ON_TIME, hm(25)),
    ],
    ids=[
        "23h_left_is_on_time",
        "12h01m_left_is_on_time",
        "12h00m_left_is_due_soon",
        "23h59m_after_awareness_is_due_soon_not_overdue",
        "exactly_24h_is_not_overdue",
        "one_second_past_24h_is_overdue",
        "24h01m_is_overdue",
        "awareness_recorded_ahead_of_now_is_on_time",
    ],
)
def test_unreported_sae_clock(since_awareness, state, remaining):
    status = sae_clock_status(AWARE, now=AWARE + since_awareness)

    assert status.state is state
    assert status.remaining == remaining
    assert status.due_at == DUE


@pytest.mark.parametrize(
    ("reported_after", "state", "margin"),
    [
        (hm(2), ClockState.REPORTED_ON_TIME, hm(22)),
        (hm(24), ClockState.REPORTED_ON_TIME, hm(0)),
        (hm(24, 0, 1), ClockState.REPORTED_LATE, -hm(0, 0, 1)),
        (hm(30), ClockState.REPORTED_LATE, -hm(6)),
    ],
    ids=[
        "reported_after_2h_is_on_time",
        "reported_exactly_at_24h_is_on_time",
        "reported_one_second_late_is_late",
        "reported_after_30h_is_late",
    ],
)
def test_reported_sae_is_judged_on_its_report_time_not_now(reported_after, state, margin):
    status = sae_clock_status(AWARE, now=AWARE + hm(72), reported_at=AWARE + reported_after)

    assert status.state is state
    assert status.remaining == margin


@pytest.mark.parametrize(
    ("now", "reported_at", "expected"),
    [
        (AWARE + hm(20, 30), None, "SAE report due 2026-03-03 09:00 UTC: 3 h 30 min left"),
        (AWARE + hm(26, 5), None, "SAE report overdue by 2 h 05 min (due 2026-03-03 09:00 UTC)"),
        (AWARE + hm(23, 59, 30), None, "less than 1 min left"),
        (AWARE + hm(30), AWARE + hm(23, 15), "SAE reported on time, 45 min before the deadline"),
        (AWARE + hm(30), AWARE + hm(25), "SAE reported 1 h 00 min late"),
    ],
    ids=["left", "overdue", "under_a_minute", "reported_on_time", "reported_late"],
)
def test_sae_clock_message_says_how_long(now, reported_at, expected):
    assert expected in sae_clock_status(AWARE, now=now, reported_at=reported_at).message


def test_sae_clock_counts_elapsed_hours_across_a_dst_change():
    # Europe/Paris springs forward on 2026-03-29 at 02:00: 24 elapsed hours end at 13:00.
    aware = datetime(2026, 3, 28, 12, 0, tzinfo=PARIS)

    assert sae_report_due_at(aware) == datetime(2026, 3, 29, 13, 0, tzinfo=PARIS)
    assert sae_report_due_at(aware).tzinfo is PARIS
    # 12:30 local on the 29th is 23 h 30 min after awareness: not overdue.
    status = sae_clock_status(aware, now=datetime(2026, 3, 29, 12, 30, tzinfo=PARIS))
    assert status.state is ClockState.DUE_SOON
    assert status.remaining == hm(0, 30)


def test_sae_clock_counts_elapsed_hours_when_dst_ends():
    # Europe/Paris falls back on 2026-10-25 at 03:00: 24 elapsed hours end at 11:00.
    aware = datetime(2026, 10, 24, 12, 0, tzinfo=PARIS)

    assert sae_report_due_at(aware) == datetime(2026, 10, 25, 11, 0, tzinfo=PARIS)


def test_sae_clock_accepts_different_time_zones_for_now_and_awareness():
    aware = datetime(2026, 3, 2, 10, 0, tzinfo=PARIS)  # 09:00 UTC

    assert sae_clock_status(aware, now=DUE).state is ClockState.DUE_SOON
    assert sae_clock_status(aware, now=DUE + hm(0, 1)).state is ClockState.OVERDUE


NAIVE = datetime(2026, 3, 2, 9, 0)  # noqa: DTZ001 - the input these tests refuse


@pytest.mark.parametrize(
    "call",
    [
        lambda: sae_report_due_at(NAIVE),
        lambda: sae_clock_status(NAIVE, now=AWARE),
        lambda: sae_clock_status(AWARE, now=NAIVE),
        lambda: sae_clock_status(AWARE, now=AWARE, reported_at=NAIVE),
        lambda: susar_report_due_at(NAIVE, fatal_or_life_threatening=True),
    ],
    ids=["sae_due", "clock_aware_at", "clock_now", "clock_reported_at", "susar_due"],
)
def test_naive_datetimes_are_refused(call):
    with pytest.raises(ValueError, match="timezone-aware"):
        call()


def test_sae_reported_before_awareness_is_refused():
    with pytest.raises(ValueError, match="before awareness"):
        sae_clock_status(AWARE, now=AWARE + hm(1), reported_at=AWARE - hm(1))


# --- SUSAR ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("serious", "relationship", "expectedness", "susar"),
    [
        (True, Relationship.POSSIBLE, Expectedness.UNEXPECTED, True),
        (True, Relationship.PROBABLE, Expectedness.UNEXPECTED, True),
        (True, Relationship.DEFINITE, Expectedness.UNEXPECTED, True),
        (True, Relationship.UNLIKELY, Expectedness.UNEXPECTED, False),
        (True, Relationship.NOT_RELATED, Expectedness.UNEXPECTED, False),
        (True, None, Expectedness.UNEXPECTED, False),
        (True, Relationship.DEFINITE, Expectedness.EXPECTED, False),
        (True, Relationship.DEFINITE, None, False),
        (False, Relationship.DEFINITE, Expectedness.UNEXPECTED, False),
    ],
    ids=[
        "serious_possible_unexpected_is_susar",
        "serious_probable_unexpected_is_susar",
        "serious_definite_unexpected_is_susar",
        "unlikely_is_not_susar",
        "not_related_is_not_susar",
        "relationship_not_assessed_is_not_susar",
        "expected_is_not_susar",
        "expectedness_not_assessed_is_not_susar",
        "not_serious_is_not_susar",
    ],
)
def test_susar_is_serious_related_and_unexpected(serious, relationship, expectedness, susar):
    assert is_susar(serious, relationship, expectedness) is susar


@pytest.mark.parametrize(
    ("fatal_or_life_threatening", "due"),
    [
        (True, datetime(2026, 3, 9, 9, 0, tzinfo=UTC)),
        (False, datetime(2026, 3, 17, 9, 0, tzinfo=UTC)),
    ],
    ids=["fatal_or_life_threatening_7_days", "other_15_days"],
)
def test_susar_report_deadline(fatal_or_life_threatening, due):
    assert susar_report_due_at(AWARE, fatal_or_life_threatening=fatal_or_life_threatening) == due


def test_susar_calendar_days_keep_the_local_clock_time_across_dst():
    aware = datetime(2026, 3, 25, 10, 0, tzinfo=PARIS)  # CET; the deadline falls in CEST

    due = susar_report_due_at(aware, fatal_or_life_threatening=True)

    assert due == datetime(2026, 4, 1, 10, 0, tzinfo=PARIS)
    assert due.utcoffset() == hm(2)


# --- DLT candidate --------------------------------------------------------------------------

DLT_WINDOW_DAYS = 21
C1D21 = FIRST_DOSE + timedelta(days=20)


def dlt(**changes) -> DltCandidate:
    facts = {
        "grade": 3,
        "relationship": Relationship.POSSIBLE,
        "onset_date": C1D21,
        "first_dose_date": FIRST_DOSE,
        "dlt_window_days": DLT_WINDOW_DAYS,
    }
    return dlt_candidate(**(facts | changes))


@pytest.mark.parametrize(
    ("changes", "is_candidate", "reason"),
    [
        ({}, True, "grade 3, possibly related, onset on day 21 of the 21-day DLT window"),
        ({"onset_date": FIRST_DOSE, "grade": 4}, True, "grade 4, possibly related, onset on day 1"),
        ({"relationship": Relationship.PROBABLE}, True, "probably related"),
        ({"relationship": Relationship.DEFINITE, "grade": 5}, True, "grade 5, definitely"),
        ({"onset_date": C1D21 + timedelta(days=1)}, False, "onset 2026-02-10 (day 22) is after"),
        ({"onset_date": FIRST_DOSE - timedelta(days=1)}, False, "onset 2026-01-19 is before"),
        ({"first_dose_date": None}, False, "no dose given yet"),
        ({"grade": 2}, False, "grade 2 is below 3"),
        ({"grade": None}, False, "grade not recorded"),
        ({"relationship": Relationship.UNLIKELY}, False, "unlikely related is less than possibly"),
        ({"relationship": Relationship.NOT_RELATED}, False, "not related is less than possibly"),
        ({"relationship": None}, False, "relationship not assessed"),
    ],
    ids=[
        "grade_3_possible_on_day_21_is_candidate",
        "first_dose_day_is_in_window",
        "probable_is_candidate",
        "definite_grade_5_is_candidate",
        "day_22_is_outside_window",
        "day_before_first_dose_is_outside_window",
        "not_dosed_is_not_candidate",
        "grade_2_is_not_candidate",
        "ungraded_is_not_candidate",
        "unlikely_is_not_candidate",
        "not_related_is_not_candidate",
        "unassessed_relationship_is_not_candidate",
    ],
)
def test_dlt_candidate(changes, is_candidate, reason):
    result = dlt(**changes)

    assert result.is_candidate is is_candidate
    assert reason in result.reason
    assert result.reason.startswith("DLT candidate" if is_candidate else "not a DLT candidate")


def test_dlt_candidate_reason_lists_every_failed_condition():
    result = dlt(grade=1, relationship=Relationship.UNLIKELY, onset_date=date(2026, 5, 1))

    assert result.is_candidate is False
    assert "after the 21-day DLT window" in result.reason
    assert "grade 1 is below 3" in result.reason
    assert "unlikely related" in result.reason


def test_dlt_window_follows_the_configured_length():
    assert dlt(dlt_window_days=28, onset_date=FIRST_DOSE + timedelta(days=27)).is_candidate
    assert not dlt(dlt_window_days=28, onset_date=FIRST_DOSE + timedelta(days=28)).is_candidate


def test_dlt_window_shorter_than_a_day_is_refused():
    with pytest.raises(ValueError, match="dlt_window_days"):
        dlt(dlt_window_days=0)


# --- baseline grade (medical history) -----------------------------------------------------

HTN = Baseline("MH2 Hypertension", 2)


@pytest.mark.parametrize(
    ("grade", "period", "baselines", "starts"),
    [
        (3, Period.TREATMENT_EMERGENT, [HTN], "Grade 3 is worse than the baseline grade 2 of MH2"),
        (2, Period.TREATMENT_EMERGENT, [HTN], "Grade 2 is not worse than the baseline grade 2"),
        (1, Period.TREATMENT_EMERGENT, [HTN], "Grade 1 is not worse than the baseline grade 2"),
        (3, None, [HTN], "Grade 3 is worse"),  # a new AE, its period not yet derived
        (None, None, [HTN], "Ongoing at baseline: MH2 Hypertension, baseline grade 2."),
        # Two entries of the term: the worse baseline is the one to exceed.
        (
            3,
            None,
            [Baseline("MH1 Hypertension", 1), Baseline("MH4 Hypertension", 3)],
            "Grade 3 is not worse than the baseline grade 3 of MH4 Hypertension",
        ),
        (
            2,
            None,
            [Baseline("MH1 Hypertension", None)],
            "Ongoing at baseline (MH1 Hypertension) with the baseline grade unknown",
        ),
        (2, Period.TREATMENT_EMERGENT, [], None),
        (2, Period.PRE_TREATMENT, [HTN], None),
        (2, Period.POST_TREATMENT, [HTN], None),
    ],
)
def test_baseline_comparison(grade, period, baselines, starts):
    note = baseline_comparison(grade, period, baselines)
    if starts is None:
        assert note is None
    else:
        assert note.startswith(starts), note


def test_an_ae_not_worse_than_baseline_is_not_an_ae():
    assert "not an adverse event" in baseline_comparison(2, None, [HTN])
    assert "a treatment-emergent adverse event" in baseline_comparison(3, None, [HTN])
