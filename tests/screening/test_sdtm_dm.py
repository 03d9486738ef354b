"""SDTM DM (screening.sdtm_dm) is pure: facts in, one record with CDISC terms out."""

from datetime import date, datetime, time

import pytest

from screening import sdtm_dm


def local(day: date, hour: int, minute: int = 0, second: int = 0) -> datetime:
    """A wall-clock time at the site, as the SDTM mappings take it (no offset)."""
    return datetime.combine(day, time(hour, minute, second))


def _subject(**changes) -> sdtm_dm.SubjectFacts:
    values = {
        "studyid": "IL22BP-LNP-001",
        "subjid": "FR01-001",
        "site_code": "FR01",
        "country": "FR",
        "sex": "F",
        "birth_date": date(1970, 5, 17),
        "registered_on": date(2026, 11, 10),
        "status": "on_treatment",
        "consent_at": local(date(2026, 11, 13), 10, 0),
        "dose_level_code": "DL1",
        "dose_level_label": "DL1 25 ug IL-22BP/LNP",
        "first_dose_at": local(date(2026, 11, 21), 9, 30),
        "last_dose_at": local(date(2026, 11, 21), 9, 45),
    }
    return sdtm_dm.SubjectFacts(**(values | changes))


def test_dm_of_a_dosed_subject():
    record = sdtm_dm.dm_record(_subject())
    assert (record["ARMCD"], record["ACTARMCD"]) == ("DL1", "DL1")
    assert (record["RFSTDTC"], record["RFICDTC"]) == ("2026-11-21T09:30", "2026-11-13T10:00")
    assert (record["AGE"], record["AGEU"], record["SEX"]) == (56, "YEARS", "F")
    assert (record["COUNTRY"], record["SITEID"]) == ("FRA", "FR01")
    assert record["DMDY"] == -11


@pytest.mark.parametrize(
    ("changes", "arm", "actual", "reason"),
    [
        (
            {"status": "screen_failed", "dose_level_code": "", "first_dose_at": None},
            "",
            "",
            "SCREEN FAILURE",
        ),
        (
            {"status": "screening", "dose_level_code": "", "first_dose_at": None},
            "",
            "",
            "NOT ASSIGNED",
        ),
        (
            {"status": "enrolled", "first_dose_at": None, "last_dose_at": None},
            "DL1",
            "",
            "ASSIGNED, NOT TREATED",
        ),
        ({}, "DL1", "DL1", ""),
    ],
    ids=["screen-failure", "not-yet-enrolled", "enrolled-never-dosed", "dosed"],
)
def test_dm_arms_follow_sdtmig_3_4(changes, arm, actual, reason):
    """SDTMIG 3.4: no pseudo-arm (SCRNFAIL...): ARMCD/ACTARMCD null and ARMNRS says why."""
    record = sdtm_dm.dm_record(_subject(**changes))
    assert (record["ARMCD"], record["ACTARMCD"], record["ARMNRS"]) == (arm, actual, reason)
    assert bool(record["ARM"]) == bool(arm) and bool(record["ACTARM"]) == bool(actual)
    assert record["ACTARMUD"] == ""


ENROLLED_AT = local(date(2026, 11, 18), 16, 0)


@pytest.mark.parametrize(
    ("changes", "start", "end"),
    [
        ({}, "2026-11-21T09:30", "2026-11-21T09:45"),  # dosed: the doses
        # Assigned, not dosed yet (an interim export): the enrolment, both.
        ({"first_dose_at": None, "last_dose_at": None}, "2026-11-18T16:00", "2026-11-18T16:00"),
        # Assigned, withdrawn before a dose: the enrolment, then the end of participation.
        (
            {
                "first_dose_at": None,
                "last_dose_at": None,
                "status": "withdrawn",
                "end_of_participation": date(2026, 11, 20),
            },
            "2026-11-18T16:00",
            "2026-11-20",
        ),
        # Not assigned (no arm): no reference dates.
        ({"dose_level_code": "", "first_dose_at": None, "last_dose_at": None}, "", ""),
    ],
    ids=["dosed", "assigned-not-dosed-yet", "assigned-withdrawn-undosed", "not-assigned"],
)
def test_dm_reference_dates_are_set_for_every_assigned_subject(changes, start, end):
    """SDTMIG 3.4 DM: RFSTDTC/RFENDTC required for every assigned subject (CORE-000191);
    RFXSTDTC/RFXENDTC are the doses only."""
    record = sdtm_dm.dm_record(_subject(enrolled_at=ENROLLED_AT, **changes))
    assert (record["RFSTDTC"], record["RFENDTC"]) == (start, end)
    dosed = changes.get("first_dose_at", True) is not None
    assert bool(record["RFXSTDTC"]) == bool(record["RFXENDTC"]) == dosed


@pytest.mark.parametrize(
    ("race", "ethnicity"),
    [("WHITE", "NOT HISPANIC OR LATINO"), ("NOT REPORTED", "NOT REPORTED"), ("", "")],
)
def test_dm_has_race_and_ethnicity(race, ethnicity):
    record = sdtm_dm.dm_record(_subject(race=race, ethnicity=ethnicity))
    assert (record["RACE"], record["ETHNIC"]) == (race, ethnicity)
    assert list(record).index("RACE") == list(record).index("SEX") + 1


def test_age_is_in_whole_years_at_consent():
    record = sdtm_dm.dm_record(_subject(consent_at=local(date(2026, 5, 16), 10, 0)))
    assert record["AGE"] == 55


def test_death_sets_the_death_flag():
    record = sdtm_dm.dm_record(_subject(death_date=date(2027, 1, 5)))
    assert (record["DTHFL"], record["DTHDTC"]) == ("Y", "2027-01-05")


@pytest.mark.parametrize(
    ("code", "race", "ethnic"),
    [
        ("not_reported", "NOT REPORTED", "NOT REPORTED"),
        ("black_or_african_american", "BLACK OR AFRICAN AMERICAN", ""),
        ("hispanic_or_latino", "", "HISPANIC OR LATINO"),
        ("", "", ""),
    ],
)
def test_race_and_ethnicity_codes_are_cdisc_submission_values(code, race, ethnic):
    assert sdtm_dm.demographic_term(code, sdtm_dm.RACE_TERMS) == race
    assert sdtm_dm.demographic_term(code, sdtm_dm.ETHNIC_TERMS) == ethnic


def test_every_crf_race_and_ethnicity_has_a_submission_value():
    from trial.models import Ethnicity, Race

    assert all(sdtm_dm.demographic_term(code, sdtm_dm.RACE_TERMS) for code in Race.values)
    assert all(sdtm_dm.demographic_term(code, sdtm_dm.ETHNIC_TERMS) for code in Ethnicity.values)
