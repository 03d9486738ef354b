"""SDTM EX (dosing.sdtm): the pure builder, facts in, records with standard variables and
CDISC terms out (the injection site text links the lesion it names). VS, read from the dosing
CRFs too, is the vitals app's: tests/vitals/test_sdtm.py."""

from datetime import date, time
from decimal import Decimal

import pytest

from dosing import sdtm
from review.sdtm import subject_key

KEY = subject_key("IL22BP-LNP-001", "FR01-001", rfstdtc=date(2026, 11, 21))


def test_ex_record_uses_cdisc_route_unit_and_dates():
    dose = sdtm.DoseFacts(
        visit_name="Cycle 1 Day 1",
        visit_number=2,
        administered_on=date(2026, 11, 21),
        amount=Decimal("25.000"),
        unit="µg",
        route="intratumoural",
        start_time=time(9, 30),
        stop_time=time(9, 45),
        lot="LOT-1",
        location="Left cervical node",
    )
    record = sdtm.ex_record(KEY, "IL-22BP/LNP", 1, dose)
    assert (record["EXDOSE"], record["EXDOSU"], record["EXROUTE"]) == (25.0, "ug", "INTRATUMOR")
    assert (record["EXSTDTC"], record["EXENDTC"]) == ("2026-11-21T09:30", "2026-11-21T09:45")
    assert (record["EXSTDY"], record["VISITNUM"], record["EXADJ"]) == (1, 2, "")


def test_reduced_dose_gives_its_reason_for_adjustment():
    dose = sdtm.DoseFacts(
        "Cycle 2 Day 1", 6, date(2026, 12, 12), Decimal(12), "µg", "intratumoural",
        dose_change="reduced", dose_change_reason="Grade 3 fever",
    )  # fmt: skip
    assert sdtm.ex_record(KEY, "IL-22BP/LNP", 2, dose)["EXADJ"] == "Grade 3 fever"


LESIONS = {"T1": ("Liver", "left lobe"), "T2": ("Lymph nodes", "right axilla")}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Target lesion T1", ("T1", "LIVER", "LEFT")),
        ("t2", ("T2", "LYMPH NODE", "RIGHT")),
        ("Left cervical node", ("", "LYMPH NODE", "LEFT")),
        ("T1 and T2", ("", "", "")),  # two lesions: no single link
        ("T9", ("", "", "")),  # not one of the subject's lesions
    ],
)
def test_ex_injection_site_links_the_lesion_and_maps_its_location(text, expected):
    assert sdtm.injection_site(text, LESIONS) == expected
    dose = sdtm.DoseFacts(
        "Cycle 1 Day 1", 2, date(2026, 11, 21), Decimal("25"), "µg", "intratumoural",
        location=text, lesions=LESIONS,
    )  # fmt: skip
    record = sdtm.ex_record(KEY, "IL-22BP/LNP", 1, dose)
    assert (record["EXLNKID"], record["EXLOC"], record["EXLAT"]) == expected
