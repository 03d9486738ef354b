"""The study file's [samples] section (trial.study_config.sample_schedule_values): loaded onto
the study; each wrong key refused naming it and the rule."""

import copy
import re

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from trial.study_config import read_config, sample_schedule_values

BASE = read_config(settings.STUDY_CONFIG_FILE)


def _with(*, times=None, types=None, section=None) -> dict:
    config = copy.deepcopy(BASE)
    if section is not None:
        config["samples"] = section
        return config
    if times is not None:
        config["samples"]["times"] = times
    if types is not None:
        config["samples"]["types"] = types
    return config


PRE = {"code": "PRE", "label": "Pre-dose", "pre_dose": True, "tolerance_minutes": 60}
H1 = {"code": "H1", "label": "1 h", "after_start_minutes": 60, "tolerance_minutes": 10}
PK = {"code": "PK", "label": "PK", "visits": ["C1D1"], "times": ["PRE", "H1"]}


def test_the_study_files_samples_are_loaded_onto_the_study(study):
    schedule = study.sample_schedule
    assert [t["code"] for t in schedule["times"]][:3] == ["PRE", "EOI", "H0.5"]
    eoi = schedule["times"][1]
    assert (eoi["anchor"], eoi["offset_minutes"], eoi["tolerance_minutes"]) == (
        "after_end_minutes",
        0,
        5,
    )
    assert [t["code"] for t in schedule["types"]] == ["PK", "ADA", "BIOMARKER"]


def test_without_a_section_there_are_no_samples():
    config = copy.deepcopy(BASE)
    del config["samples"]
    assert sample_schedule_values(config) == {"times": [], "types": []}


def test_the_smallest_values_are_accepted():
    times = [PRE | {"tolerance_minutes": 0}, H1 | {"after_start_minutes": 1}]
    values = sample_schedule_values(_with(times=times, types=[PK]))
    assert [t["offset_minutes"] for t in values["times"]] == [0, 1]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"section": {"times": [], "kinds": []}}, "holds `times` and `types` only"),
        ({"times": [PRE | {"window": 1}], "types": []}, "times[1] has unknown keys window"),
        ({"times": [PRE | {"code": ""}], "types": []}, "times[1].code is required"),
        ({"times": [PRE, PRE], "types": []}, "times[2].code 'PRE' is used twice"),
        ({"times": [PRE | {"after_start_minutes": 5}], "types": []}, "exactly one of"),
        ({"times": [PRE | {"pre_dose": False}], "types": []}, "exactly one of"),
        ({"times": [H1 | {"after_start_minutes": 0}], "types": []}, "minutes >= 1, got 0"),
        ({"times": [H1 | {"tolerance_minutes": -1}], "types": []}, "minutes >= 0, got -1"),
        ({"times": [H1 | {"tolerance_minutes": 1.5}], "types": []}, "whole number of minutes"),
        (
            {"times": [{k: v for k, v in H1.items() if k != "tolerance_minutes"}], "types": []},
            "tolerance_minutes (H1) is required",
        ),
        (
            {"times": [PRE, H1], "types": [PK | {"visits": ["C1D8"]}]},
            "types[1].visits (PK): C1D8 not among the dosing visits",
        ),
        (
            {"times": [PRE, H1], "types": [PK | {"times": ["H2"]}]},
            "types[1].times (PK): H2 not among the times of [samples]",
        ),
        ({"times": [PRE, H1], "types": [PK | {"times": []}]}, "must be a non-empty list"),
        ({"times": [PRE, H1], "types": [PK | {"times": ["PRE", "PRE"]}]}, "names one twice"),
        ({"times": [PRE, H1], "types": [PK, PK]}, "types[2].code 'PK' is used twice"),
    ],
)
def test_a_bad_samples_section_is_refused_naming_the_key(changes, message):
    with pytest.raises(ImproperlyConfigured, match=re.escape(message)):
        sample_schedule_values(_with(**changes))


def test_the_study_page_shows_the_samples(client, coordinator_a):
    client.force_login(coordinator_a)
    content = client.get(reverse("study_overview")).content.decode()
    assert "Anti-drug antibodies (ADA)" in content and "C1D1, C2D1, C4D1" in content
    assert "0 min after its end" in content and "± 120 min" in content
