"""The SDTM helpers (review.sdtm) are pure, and every declared domain fits SAS transport v5."""

from datetime import date, datetime, time

import pytest

from exports import sdtm_export
from review import sdtm


def local(day: date, hour: int, minute: int = 0, second: int = 0) -> datetime:
    """A wall-clock time at the site, as the SDTM mappings take it (no offset)."""
    return datetime.combine(day, time(hour, minute, second))


KEY = sdtm.subject_key("IL22BP-LNP-001", "FR01-001", rfstdtc=date(2026, 11, 21))


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 11, 21), 1),
        (date(2026, 11, 22), 2),
        (date(2026, 11, 20), -1),
        (date(2026, 11, 1), -20),
        (local(date(2026, 11, 21), 23, 59), 1),
        (None, None),
    ],
    ids=["first-dose-is-day-1", "next-day", "day-before-is-minus-1", "earlier", "datetime", "none"],
)
def test_study_day_has_no_day_zero(day, expected):
    assert sdtm.study_day(day, date(2026, 11, 21)) == expected


def test_iso_dates_and_times():
    assert sdtm.iso(date(2026, 1, 2)) == "2026-01-02"
    assert sdtm.iso(local(date(2026, 1, 2), 9, 30, 15)) == "2026-01-02T09:30"
    assert sdtm.iso(None) == ""
    assert sdtm.iso_date_time(date(2026, 1, 2), time(9, 5)) == "2026-01-02T09:05"
    assert sdtm.iso_date_time(date(2026, 1, 2), None) == "2026-01-02"


@pytest.mark.parametrize(
    ("texts", "expected"),
    [
        (("Lymph nodes", ""), ("LYMPH NODE", "")),
        (("Left cervical node",), ("LYMPH NODE", "LEFT")),
        (("Liver", "right lobe, segment VI"), ("LIVER", "RIGHT")),
        (("Lung", "bilateral"), ("LUNG", "BILATERAL")),
        (("Soft tissue", "thigh"), ("SOFT TISSUE", "")),
        (("Adrenal gland",), ("ADRENAL GLAND", "")),
        (("Skin",), ("SKIN", "")),
        (("Target lesion T1",), ("", "")),
        (("Leftover",), ("", "")),  # a word, not the side
    ],
)
def test_location_terms_are_loc_and_lat_submission_values(texts, expected):
    assert sdtm.location_terms(*texts) == expected


@pytest.mark.parametrize("domain", sdtm_export.domains(), ids=lambda d: d.domain)
def test_variables_fit_sas_transport_version_5(domain):
    for variable in domain.variables:
        assert len(variable.name) <= 8 and variable.name.isupper(), variable.name
        assert len(variable.label) <= 40, variable.name
    assert len(domain.label) <= 40
