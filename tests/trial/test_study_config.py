from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command

from trial.models import (
    DoseLevel,
    LabLimit,
    ProtocolThreshold,
    Site,
    Study,
    StudyEvent,
    VisitDefinition,
    VisitDefinitionEvent,
)
from trial.study_config import load_study, read_config


def _row_counts():
    return [
        m.objects.count()
        for m in (Study, Site, DoseLevel, ProtocolThreshold, LabLimit, VisitDefinition)
    ]


def test_loader_is_idempotent(db):
    config = read_config(settings.STUDY_CONFIG_FILE)
    _, first = load_study(config)
    rows, events = _row_counts(), StudyEvent.objects.count() + VisitDefinitionEvent.objects.count()
    _, second = load_study(config)
    assert first["created"] > 0
    assert second == {"created": 0, "updated": 0, "unchanged": first["created"]}
    assert _row_counts() == rows
    # No change, no audit noise.
    assert StudyEvent.objects.count() + VisitDefinitionEvent.objects.count() == events


def test_loader_updates_a_changed_threshold_in_place(db):
    config = read_config(settings.STUDY_CONFIG_FILE)
    load_study(config)
    config["thresholds"]["age_max_years"]["value"] = 75
    _, counts = load_study(config)
    assert counts["updated"] == 1
    assert ProtocolThreshold.objects.get(key="age_max_years").value == 75


def test_loaded_study_matches_the_brief(study):
    assert study.product == "IL-22BP/LNP"
    assert list(study.dose_levels.values_list("code", flat=True)) == ["DL1", "DL2", "DL3", "DL4"]
    codes = list(study.visit_definitions.values_list("code", flat=True))
    assert codes[:5] == ["SCR", "C1D1", "C1D2", "C1D8", "C1D15"]
    assert codes[-5:] == ["FU1M", "FU3M", "FU6M", "FU9M", "FU12M"]
    assert study.thresholds.get(key="anticancer_washout_days").value == 28


def test_missing_section_is_a_clear_error(tmp_path: Path):
    path = tmp_path / "study.toml"
    path.write_text('[study]\nprotocol_number = "X"\n')
    with pytest.raises(ImproperlyConfigured, match=r"no \[sites\] section"):
        read_config(path)


def test_management_command_loads_the_file(db, capsys):
    call_command("load_study")
    assert "IL22BP-LNP-001" in capsys.readouterr().out
    assert Study.objects.filter(protocol_number="IL22BP-LNP-001").exists()
