import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.utils import timezone

from tests.conftest import BOIN_ESCALATION, study_config_with
from tests.screening.factories import register_subject
from trial.models import (
    DoseLevel,
    EscalationDesign,
    LabLimit,
    ProtocolThreshold,
    Site,
    Study,
    StudyEvent,
    Subject,
    Visit,
    VisitDefinition,
    VisitDefinitionEvent,
    VitalSignLimit,
)
from trial.study_config import (
    escalation_values,
    load_study,
    read_config,
    vital_sign_values,
)


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


def test_each_lab_limit_names_the_panel_test_that_gives_it(study):
    assert dict(study.lab_limits.values_list("code", "test")) == {
        "anc": "NEUT",
        "platelets": "PLAT",
        "haemoglobin": "HGB",
        "bilirubin": "BILI",
        "alt": "ALT",
        "ast": "AST",
        "creatinine": "CREAT",
    }


def test_missing_section_is_a_clear_error(tmp_path: Path):
    path = tmp_path / "study.toml"
    path.write_text('[study]\nprotocol_number = "X"\n')
    with pytest.raises(ImproperlyConfigured, match=r"no \[sites\] section"):
        read_config(path)


def test_management_command_loads_the_file(db, capsys):
    call_command("load_study")
    assert "IL22BP-LNP-001" in capsys.readouterr().out
    assert Study.objects.filter(protocol_number="IL22BP-LNP-001").exists()


# --- [escalation]: the dose-escalation design ------------------------------------------------


def test_the_study_file_chooses_the_3_plus_3_design(study):
    design = EscalationDesign.objects.get(study=study)
    assert design.design == "3+3"
    assert (design.target_dlt_rate, design.cohort_size, design.start_dose_level) == (None,) * 3


def test_no_escalation_section_means_3_plus_3():
    config = read_config(settings.STUDY_CONFIG_FILE)
    del config["escalation"]
    assert escalation_values(config)["design"] == "3+3"


def test_boin_is_loaded_with_the_default_phi1_phi2_and_cutoff(boin_study):
    design = EscalationDesign.objects.get(study=boin_study)
    assert design.design == "boin"
    assert design.target_dlt_rate == Decimal("0.30")
    # 0.6 and 1.4 times the target (Liu & Yuan 2015), and the recommended cut-off.
    assert (design.phi1, design.phi2, design.elimination_cutoff) == (
        Decimal("0.18"),
        Decimal("0.42"),
        Decimal("0.95"),
    )
    assert (design.cohort_size, design.max_sample_size, design.stop_at_n) == (3, 18, 9)
    assert design.start_dose_level is None


def test_boin_parameters_given_in_the_file_are_kept(study):
    load_study(
        study_config_with(
            **BOIN_ESCALATION, phi1=0.2, phi2=0.4, elimination_cutoff=0.9, start_dose="DL2"
        )
    )
    design = EscalationDesign.objects.get(study=study)
    assert (design.phi1, design.phi2, design.elimination_cutoff) == (
        Decimal("0.2"),
        Decimal("0.4"),
        Decimal("0.9"),
    )
    assert design.start_dose_level.code == "DL2"


def test_reloading_the_same_boin_design_changes_nothing(boin_study):
    _, counts = load_study(study_config_with(**BOIN_ESCALATION))
    assert counts["updated"] == 0


@pytest.mark.parametrize(
    ("escalation", "message"),
    [
        ({"design": "crm"}, 'design must be "3+3" or "boin", got \'crm\''),
        ({"design": "3+3", "target_dlt_rate": 0.3}, 'target_dlt_rate apply to design = "boin"'),
        ({"design": "boin", "target_dlt_rate": 0.3}, "needs max_sample_size, stop_at_n"),
        ({**BOIN_ESCALATION, "target_dlt_rate": 1.2}, "target_dlt_rate must be a number between"),
        ({**BOIN_ESCALATION, "phi1": 0.35}, "need 0 < phi1 < target_dlt_rate < phi2 < 1"),
        ({**BOIN_ESCALATION, "target_dlt_rate": 0.75}, "phi2 = 1.050"),
        ({**BOIN_ESCALATION, "stop_at_n": 0}, "stop_at_n must be a whole number >= 1, got 0"),
        ({**BOIN_ESCALATION, "cohort_size": 2.5}, "cohort_size must be a whole number"),
        ({**BOIN_ESCALATION, "max_sample_size": 2}, "max_sample_size (2) must be at least"),
        ({**BOIN_ESCALATION, "start_dose": "DL9"}, "start_dose 'DL9' is not a dose level"),
        ({**BOIN_ESCALATION, "cohort": 3}, "unknown keys cohort"),
        ({**BOIN_ESCALATION, "target_dlt_rate": 0.12345}, "more than 4 decimals"),
    ],
)
def test_a_bad_escalation_section_is_a_clear_error(escalation, message):
    config = read_config(settings.STUDY_CONFIG_FILE)
    config["escalation"] = escalation
    with pytest.raises(ImproperlyConfigured, match=re.escape(message)):
        escalation_values(config)


def test_read_config_checks_the_escalation_section(tmp_path: Path):
    text = Path(settings.STUDY_CONFIG_FILE).read_text()
    path = tmp_path / "study.toml"
    path.write_text(text.replace('design = "3+3"', 'design = "boin"'))
    with pytest.raises(ImproperlyConfigured, match=r"\[escalation\] in .*study.toml: design"):
        read_config(path)


def test_the_design_cannot_change_once_a_subject_is_enrolled(study, site_a, coordinator_a):
    subject = register_subject(study=study, site=site_a, by=coordinator_a)
    Subject.objects.filter(pk=subject.pk).update(dose_level=study.dose_levels.get(code="DL1"))
    with pytest.raises(ImproperlyConfigured, match="design cannot change once subjects are"):
        load_study(study_config_with(**BOIN_ESCALATION))
    assert EscalationDesign.objects.get(study=study).design == "3+3"


# --- [study] product and [vital_signs] ------------------------------------------------------


def test_the_vital_sign_limits_of_the_file_are_loaded(study):
    limits = {v.code: v for v in VitalSignLimit.objects.filter(study=study)}
    assert list(limits) == [
        "temperature_c",
        "pulse_bpm",
        "systolic_mmhg",
        "diastolic_mmhg",
        "respiratory_rate",
        "spo2_pct",
    ]
    temperature = limits["temperature_c"]
    assert (temperature.plausible_min, temperature.plausible_max) == (Decimal(30), Decimal(43))
    assert (temperature.clinical_min, temperature.clinical_max) == (None, Decimal("38.0"))
    assert limits["spo2_pct"].clinical_min == Decimal(92)


def test_a_changed_vital_sign_limit_is_updated_in_place(study):
    config = read_config(settings.STUDY_CONFIG_FILE)
    config["vital_signs"]["pulse_bpm"]["clinical_max"] = "130"
    _, counts = load_study(config)
    assert counts["updated"] == 1
    assert VitalSignLimit.objects.get(study=study, code="pulse_bpm").clinical_max == 130


def _vitals(**changes) -> dict:
    config = read_config(settings.STUDY_CONFIG_FILE)
    for name, spec in changes.items():
        if spec is None:
            del config["vital_signs"][name]
        else:
            config["vital_signs"][name] = spec
    return config


PULSE = {"label": "Pulse", "unit": "beats/min", "plausible_min": "20", "plausible_max": "250"}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"pulse_bpm": None}, "[vital_signs] in the study file: no limits for pulse_bpm"),
        ({"weight_kg": PULSE}, "unknown vital signs weight_kg"),
        ({"pulse_bpm": "20-250"}, "pulse_bpm must be a table of label, unit"),
        ({"pulse_bpm": {**PULSE, "max": "1"}}, "pulse_bpm has unknown keys max"),
        ({"pulse_bpm": {k: v for k, v in PULSE.items() if k != "unit"}}, "pulse_bpm.unit is"),
        (
            {"pulse_bpm": {k: v for k, v in PULSE.items() if k != "plausible_max"}},
            "pulse_bpm.plausible_max is required",
        ),
        ({"pulse_bpm": {**PULSE, "plausible_min": "fast"}}, "plausible_min must be a number"),
        ({"pulse_bpm": {**PULSE, "plausible_min": True}}, "plausible_min must be a number"),
        ({"pulse_bpm": {**PULSE, "plausible_min": "nan"}}, "plausible_min must be a number"),
        ({"pulse_bpm": {**PULSE, "plausible_min": "20.001"}}, "more than 2 decimals"),
        (
            {"pulse_bpm": {**PULSE, "plausible_min": "250"}},
            "pulse_bpm.plausible_min (250) must be below plausible_max (250)",
        ),
        (
            {"pulse_bpm": {**PULSE, "clinical_max": "250"}},
            "pulse_bpm.clinical_max (250) must lie inside the plausible range 20..250",
        ),
        (
            {"pulse_bpm": {**PULSE, "clinical_min": "20"}},
            "pulse_bpm.clinical_min (20) must lie inside the plausible range",
        ),
        (
            {"pulse_bpm": {**PULSE, "clinical_min": "100", "clinical_max": "100"}},
            "pulse_bpm.clinical_min (100) must be below clinical_max (100)",
        ),
    ],
)
def test_a_bad_vital_signs_section_is_a_clear_error_naming_the_key(changes, message):
    with pytest.raises(ImproperlyConfigured, match=re.escape(message)):
        vital_sign_values(_vitals(**changes))


def test_the_limits_just_inside_the_plausible_range_are_accepted():
    limits = vital_sign_values(
        _vitals(pulse_bpm={**PULSE, "clinical_min": "20.01", "clinical_max": "249.99"})
    )
    pulse = next(v for v in limits if v["code"] == "pulse_bpm")
    assert (pulse["clinical_min"], pulse["clinical_max"]) == (Decimal("20.01"), Decimal("249.99"))


def _file_without(tmp_path: Path, old: str, new: str) -> Path:
    text = Path(settings.STUDY_CONFIG_FILE).read_text()
    assert old in text
    path = tmp_path / "study.toml"
    path.write_text(text.replace(old, new))
    return path


def test_read_config_checks_the_vital_signs_section(tmp_path: Path):
    path = _file_without(tmp_path, "[vital_signs]", "[vital_sign_limits]")
    with pytest.raises(ImproperlyConfigured, match=r"no \[vital_signs\] section"):
        read_config(path)


@pytest.mark.parametrize("product", ['""', '"  "', "22"])
def test_the_product_name_is_required_and_named_in_the_error(tmp_path: Path, product):
    path = _file_without(tmp_path, 'product = "IL-22BP/LNP"', f"product = {product}")
    with pytest.raises(ImproperlyConfigured, match=r"\[study\] in .*: product must be"):
        read_config(path)


def test_the_schedule_of_assessments_is_loaded_on_the_study(study):
    forms = [(a.form.form, a.form.panel) for a in study.schedule_of_assessments()]
    assert forms == [
        ("screening.consent", ""),
        ("screening.eligibilityassessment", ""),
        ("dosing.dosingrecord", ""),
        ("labs.labresult", "haematology"),
        ("labs.labresult", "chemistry"),
        ("samples.sample", ""),
        ("vitals.vitalsigns", "visit"),
        ("ecg.electrocardiogram", "visit"),
        ("ecg.electrocardiogram", "pre_dose"),
        ("ecg.electrocardiogram", "post_dose"),
    ]
    haematology = study.schedule_of_assessments()[3]
    assert haematology.visits == ("SCR", "C1D8", "C1D15", "EOT")
    assert haematology.visit_kinds == ("dosing",)
    vital_signs = study.schedule_of_assessments()[6]
    assert (vital_signs.visits, vital_signs.visit_kinds) == (
        (),
        ("screening", "safety", "end_of_treatment", "follow_up"),
    )


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            'form = "dosing.dosingrecord"',
            'form = "labs.ecg"',
            r"\[\[assessments\]\] in .*entry 3: form 'labs.ecg' is not a CRF kind that can be "
            r"scheduled \(known: .*labs.labresult",
        ),
        (
            'visits = ["SCR", "C1D8", "C1D15", "EOT"]',
            'visits = ["SCR", "C1D9"]',
            r"entry 4 \(labs.labresult\): unknown visit code C1D9",
        ),
        ('panel = "chemistry"', 'panel = "virology"', r"got 'virology'"),
    ],
)
def test_the_loader_refuses_an_unknown_form_or_visit_naming_it(tmp_path, old, new, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        read_config(_file_without(tmp_path, old, new))


def test_a_kind_that_cannot_be_scheduled_is_refused():
    # Registered, but its records are not found at a visit (a disposition is dated, not held).
    config = read_config(settings.STUDY_CONFIG_FILE)
    config["assessments"] = [{"form": "dispositions.disposition", "visits": ["EOT"]}]
    with pytest.raises(ImproperlyConfigured, match=r"'dispositions.disposition' is not a CRF kind"):
        load_study(config)


def test_a_changed_schedule_is_updated_in_place_and_audited(study):
    config = read_config(settings.STUDY_CONFIG_FILE)
    config["assessments"] = config["assessments"][:2]
    events = StudyEvent.objects.count()
    reloaded, _counts = load_study(config)
    assert reloaded.pk == study.pk
    assert len(reloaded.schedule_of_assessments()) == 2
    assert StudyEvent.objects.count() == events + 1


def test_another_schedule_of_assessments_has_recent_visits_read_again_by_the_scan(
    study, site_a, coordinator_a, investigator_a
):
    from tests.dosing.factories import dosed_subject

    subject = dosed_subject(study, site_a, coordinator_a, investigator_a)
    visits = Visit.objects.filter(subject=subject)
    visits.update(forms_checked_at=timezone.now())
    config = read_config(settings.STUDY_CONFIG_FILE)
    load_study(config)  # the same schedule: nothing to read again
    assert not visits.filter(forms_checked_at__isnull=True).exists()
    config["assessments"] = config["assessments"][:2]
    load_study(config)
    assert not visits.filter(forms_checked_at__isnull=False).exists()
