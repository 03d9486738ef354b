"""Reading the study file (studies/*.toml) and loading it into the database, idempotently."""

import tomllib
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from trial import hooks, schedule
from trial.assessments import ScheduleError, assessments_from
from trial.audit import audit_context
from trial.models import (
    DoseLevel,
    EscalationDesign,
    EscalationDesignKind,
    LabLimit,
    ProtocolThreshold,
    Site,
    Study,
    Subject,
    User,
    Visit,
    VisitDefinition,
    VitalSignLimit,
)
from trial.vital_signs import VITAL_SIGNS

STUDY_FIELDS = (
    "protocol_number",
    "title",
    "phase",
    "product",
    "sponsor",
    "target_enrollment",
    "dlt_window_days",
    "screening_window_days",
    "cycle_length_days",
    "max_cycles",
)


def read_config(path: Path) -> dict:
    try:
        with open(path, "rb") as fh:
            config = tomllib.load(fh)
    except FileNotFoundError:
        raise ImproperlyConfigured(f"Study file not found: {path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ImproperlyConfigured(f"Study file {path} is not valid TOML: {exc}") from None
    sections = ("study", "sites", "dose_levels", "schedule", "thresholds", "lab_limits")
    for section in (*sections, "vital_signs"):
        if section not in config:
            raise ImproperlyConfigured(f"Study file {path} has no [{section}] section")
    missing = [f for f in STUDY_FIELDS if f not in config["study"] and f != "sponsor"]
    if missing:
        raise ImproperlyConfigured(f"[study] in {path} lacks: {', '.join(missing)}")
    product = config["study"]["product"]
    if not isinstance(product, str) or not product.strip():
        raise ImproperlyConfigured(
            f"[study] in {path}: product must be the study drug's name, got {product!r}"
        )
    escalation_values(config, path=path)
    vital_sign_values(config, path=path)
    sample_schedule_values(config, path=path)
    assessment_values(config, path=path)
    return config


def assessment_values(config: dict, *, path: object = "the study file") -> list[dict]:
    """The schedule of assessments ([[assessments]], optional: none expects no form) checked
    against the study's visits and the CRF kinds that can be scheduled, as stored on the
    study. A form or visit the study does not know is refused by name (trial.assessments)."""
    try:
        found = assessments_from(
            config.get("assessments", []),
            visits=visit_definitions(config),
            forms=hooks.call("schedulable_forms"),
            where=f"[[assessments]] in {path}",
        )
    except ScheduleError as error:
        raise ImproperlyConfigured(str(error)) from None
    return [assessment.as_stored() for assessment in found]


VITAL_BOUNDS = ("plausible_min", "plausible_max", "clinical_min", "clinical_max")
VITAL_KEYS = ("label", "unit", *VITAL_BOUNDS)


def vital_sign_values(config: dict, *, path: object = "the study file") -> list[dict]:
    """The [vital_signs] limits checked, one dict per vital sign as stored (VitalSignLimit).

    Errors name the key and the rule: the plausible range is required and ordered, a
    clinical limit lies inside it.
    """
    section = config.get("vital_signs")
    where = f"[vital_signs] in {path}"
    if not isinstance(section, dict):
        raise ImproperlyConfigured(f"Study file {path} has no [vital_signs] section")
    unknown = sorted(set(section) - set(VITAL_SIGNS))
    if unknown:
        raise ImproperlyConfigured(
            f"{where}: unknown vital signs {', '.join(unknown)} "
            f"(the CRFs record {', '.join(VITAL_SIGNS)})"
        )
    missing = [name for name in VITAL_SIGNS if name not in section]
    if missing:
        raise ImproperlyConfigured(f"{where}: no limits for {', '.join(missing)}")
    rows = []
    for order, name in enumerate(VITAL_SIGNS, start=1):
        spec = section[name]
        if not isinstance(spec, dict):
            raise ImproperlyConfigured(
                f"{where}: {name} must be a table of {', '.join(VITAL_KEYS)}"
            )
        extra = sorted(set(spec) - set(VITAL_KEYS))
        if extra:
            raise ImproperlyConfigured(f"{where}: {name} has unknown keys {', '.join(extra)}")
        for key in ("label", "unit", "plausible_min", "plausible_max"):
            if key not in spec or spec[key] == "":
                raise ImproperlyConfigured(f"{where}: {name}.{key} is required")
        bounds = {key: _vital_bound(spec, name, key, where) for key in VITAL_BOUNDS}
        low, high = bounds["plausible_min"], bounds["plausible_max"]
        if not low < high:
            raise ImproperlyConfigured(
                f"{where}: {name}.plausible_min ({low}) must be below plausible_max ({high})"
            )
        for key in ("clinical_min", "clinical_max"):
            value = bounds[key]
            if value is not None and not low < value < high:
                raise ImproperlyConfigured(
                    f"{where}: {name}.{key} ({value}) must lie inside the plausible range "
                    f"{low}..{high}"
                )
        if None not in (bounds["clinical_min"], bounds["clinical_max"]) and not (
            bounds["clinical_min"] < bounds["clinical_max"]
        ):
            raise ImproperlyConfigured(
                f"{where}: {name}.clinical_min ({bounds['clinical_min']}) must be below "
                f"clinical_max ({bounds['clinical_max']})"
            )
        rows.append(
            {"code": name, "label": str(spec["label"]), "unit": str(spec["unit"]), "order": order}
            | bounds
        )
    return rows


SAMPLE_TIME_KEYS = (
    "code",
    "label",
    "pre_dose",
    "after_start_minutes",
    "after_end_minutes",
    "tolerance_minutes",
)
SAMPLE_TYPE_KEYS = ("code", "label", "visits", "times")
# How a nominal time is placed against the dose: exactly one of these per time.
_SAMPLE_ANCHORS = ("pre_dose", "after_start_minutes", "after_end_minutes")


def sample_schedule_values(config: dict, *, path: object = "the study file") -> dict:
    """The [samples] section checked, as stored on the study (Study.sample_schedule):
    {"times": [...], "types": [...]}, each time with its anchor and tolerance in minutes, each
    type with the dosing visits it is collected at and its nominal times. No section: no
    samples. Errors name the key and the rule."""
    section = config.get("samples")
    where = f"[samples] in {path}"
    if section is None:
        return {"times": [], "types": []}
    if not isinstance(section, dict) or set(section) - {"times", "types"}:
        raise ImproperlyConfigured(f"{where}: holds `times` and `types` only")
    times = []
    for index, spec in enumerate(section.get("times", []), start=1):
        at = f"{where}: times[{index}]"
        if not isinstance(spec, dict):
            raise ImproperlyConfigured(f"{at} must be a table of {', '.join(SAMPLE_TIME_KEYS)}")
        extra = sorted(set(spec) - set(SAMPLE_TIME_KEYS))
        if extra:
            raise ImproperlyConfigured(f"{at} has unknown keys {', '.join(extra)}")
        code, label = spec.get("code"), spec.get("label")
        for key, value in (("code", code), ("label", label)):
            if not isinstance(value, str) or not value.strip():
                raise ImproperlyConfigured(f"{at}.{key} is required (a text)")
        if code in {t["code"] for t in times}:
            raise ImproperlyConfigured(f"{at}.code {code!r} is used twice")
        anchors = [key for key in _SAMPLE_ANCHORS if key in spec]
        if len(anchors) != 1 or spec.get("pre_dose", True) is not True:
            raise ImproperlyConfigured(
                f"{at} ({code}) needs exactly one of pre_dose = true, after_start_minutes, "
                "after_end_minutes"
            )
        minutes = {}
        for key in ("after_start_minutes", "after_end_minutes", "tolerance_minutes"):
            if key not in spec:
                continue
            value = spec[key]
            smallest = 1 if key == "after_start_minutes" else 0
            if isinstance(value, bool) or not isinstance(value, int) or value < smallest:
                raise ImproperlyConfigured(
                    f"{at}.{key} ({code}) must be a whole number of minutes >= {smallest}, "
                    f"got {value!r}"
                )
            minutes[key] = value
        if "tolerance_minutes" not in minutes:
            raise ImproperlyConfigured(f"{at}.tolerance_minutes ({code}) is required")
        times.append(
            {
                "code": code,
                "label": label,
                "anchor": anchors[0],
                "offset_minutes": minutes.get(anchors[0], 0),
                "tolerance_minutes": minutes["tolerance_minutes"],
            }
        )
    dosing_visits = [
        d.code for d in visit_definitions(config) if d.kind == schedule.VisitKind.DOSING
    ]
    types = []
    for index, spec in enumerate(section.get("types", []), start=1):
        at = f"{where}: types[{index}]"
        if not isinstance(spec, dict):
            raise ImproperlyConfigured(f"{at} must be a table of {', '.join(SAMPLE_TYPE_KEYS)}")
        extra = sorted(set(spec) - set(SAMPLE_TYPE_KEYS))
        if extra:
            raise ImproperlyConfigured(f"{at} has unknown keys {', '.join(extra)}")
        code, label = spec.get("code"), spec.get("label")
        for key, value in (("code", code), ("label", label)):
            if not isinstance(value, str) or not value.strip():
                raise ImproperlyConfigured(f"{at}.{key} is required (a text)")
        if code in {t["code"] for t in types}:
            raise ImproperlyConfigured(f"{at}.code {code!r} is used twice")
        for key, known, what in (
            ("visits", dosing_visits, "dosing visits"),
            ("times", [t["code"] for t in times], "times of [samples]"),
        ):
            values = spec.get(key)
            if not isinstance(values, list) or not values:
                raise ImproperlyConfigured(f"{at}.{key} ({code}) must be a non-empty list")
            unknown = [v for v in values if v not in known]
            if unknown:
                raise ImproperlyConfigured(
                    f"{at}.{key} ({code}): {', '.join(map(str, unknown))} not among the "
                    f"{what} ({', '.join(known)})"
                )
            if len(set(values)) != len(values):
                raise ImproperlyConfigured(f"{at}.{key} ({code}) names one twice")
        types.append(
            {"code": code, "label": label, "visits": spec["visits"], "times": spec["times"]}
        )
    return {"times": times, "types": types}


def _vital_bound(spec: dict, name: str, key: str, where: str) -> Decimal | None:
    if key not in spec:
        return None
    value = spec[key]
    try:
        number = None if isinstance(value, bool) else Decimal(str(value))
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        raise ImproperlyConfigured(f"{where}: {name}.{key} must be a number, got {value!r}")
    if number != number.quantize(Decimal("0.01")):
        raise ImproperlyConfigured(f"{where}: {name}.{key} has more than 2 decimals ({number})")
    return number


# [escalation] for design = "boin" (trial/boin.py); Liu & Yuan 2015 recommend phi1 = 0.6 and
# phi2 = 1.4 times the target, and 0.95 for the elimination cut-off.
BOIN_REQUIRED = ("target_dlt_rate", "max_sample_size", "stop_at_n")
BOIN_RATES = ("target_dlt_rate", "phi1", "phi2", "elimination_cutoff")
BOIN_COUNTS = ("cohort_size", "max_sample_size", "stop_at_n")
BOIN_KEYS = (*BOIN_RATES, *BOIN_COUNTS, "start_dose")
RATE_PLACES = Decimal("0.0001")


def escalation_values(config: dict, *, path: object = "the study file") -> dict:
    """The [escalation] section checked and completed with its defaults, as stored.

    No section means the 3+3 design. Errors name the key and the rule.
    """
    section = dict(config.get("escalation", {"design": EscalationDesignKind.THREE_PLUS_THREE}))
    design = section.pop("design", None)
    where = f"[escalation] in {path}"
    empty = {key: None for key in (*BOIN_RATES, *BOIN_COUNTS)} | {"start_dose": None}
    if design == EscalationDesignKind.THREE_PLUS_THREE:
        if section:
            raise ImproperlyConfigured(
                f'{where}: {", ".join(sorted(section))} apply to design = "boin" only'
            )
        return {"design": design, **empty}
    if design != EscalationDesignKind.BOIN:
        raise ImproperlyConfigured(f'{where}: design must be "3+3" or "boin", got {design!r}')
    unknown = sorted(set(section) - set(BOIN_KEYS))
    if unknown:
        raise ImproperlyConfigured(f"{where}: unknown keys {', '.join(unknown)}")
    missing = [key for key in BOIN_REQUIRED if key not in section]
    if missing:
        raise ImproperlyConfigured(f'{where}: design = "boin" needs {", ".join(missing)}')
    values = {"design": design, **empty}
    for key in BOIN_COUNTS:
        value = section.get(key, 3 if key == "cohort_size" else None)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ImproperlyConfigured(f"{where}: {key} must be a whole number >= 1, got {value!r}")
        values[key] = value
    for key in BOIN_RATES:
        if key not in section:
            continue
        try:
            rate = Decimal(str(section[key]))
        except InvalidOperation:
            rate = None
        if rate is None or isinstance(section[key], bool) or not 0 < rate < 1:
            raise ImproperlyConfigured(
                f"{where}: {key} must be a number between 0 and 1, got {section[key]!r}"
            )
        if rate != rate.quantize(RATE_PLACES):
            raise ImproperlyConfigured(f"{where}: {key} has more than 4 decimals ({rate})")
        values[key] = rate
    target = values["target_dlt_rate"]
    values["phi1"] = values["phi1"] or (target * Decimal("0.6")).quantize(RATE_PLACES)
    values["phi2"] = values["phi2"] or (target * Decimal("1.4")).quantize(RATE_PLACES)
    values["elimination_cutoff"] = values["elimination_cutoff"] or Decimal("0.95")
    if not 0 < values["phi1"] < target < values["phi2"] < 1:
        raise ImproperlyConfigured(
            f"{where}: need 0 < phi1 < target_dlt_rate < phi2 < 1, got phi1 = {values['phi1']}, "
            f"target_dlt_rate = {target}, phi2 = {values['phi2']}"
        )
    if values["max_sample_size"] < values["cohort_size"]:
        raise ImproperlyConfigured(
            f"{where}: max_sample_size ({values['max_sample_size']}) must be at least "
            f"cohort_size ({values['cohort_size']})"
        )
    start = section.get("start_dose")
    codes = [level["code"] for level in config["dose_levels"]]
    if start is not None and start not in codes:
        raise ImproperlyConfigured(
            f"{where}: start_dose {start!r} is not a dose level ({', '.join(codes)})"
        )
    values["start_dose"] = start
    return values


def visit_definitions(config: dict) -> tuple[schedule.VisitDefinition, ...]:
    study, sched = config["study"], config["schedule"]
    return schedule.standard_definitions(
        cycle_length_days=study["cycle_length_days"],
        max_cycles=study["max_cycles"],
        safety_days=sched["safety_days"],
        safety_window_days={int(k): v for k, v in sched["safety_window_days"].items()},
        dosing_window_days=sched["dosing_window_days"],
        eot_within_days=sched["eot_within_days"],
        followup_months=sched["followup_months"],
        followup_window_days=sched["followup_window_days"],
        screening_days=sched["screening_days"],
    )


def _sync(model, key_fields: dict, values: dict, counts: dict):
    """Create the row, or update only the fields that differ (no audit noise on re-load)."""
    obj, created = model.objects.get_or_create(**key_fields, defaults=values)
    if created:
        counts["created"] += 1
        return obj
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    if changed:
        for name in changed:
            setattr(obj, name, values[name])
        obj.save(update_fields=changed)
        counts["updated"] += 1
    else:
        counts["unchanged"] += 1
    return obj


def load_study(config: dict, *, by: User | None = None) -> tuple[Study, dict]:
    """Create or update the study and everything under it; returns (study, counts)."""
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    study_values = {f: config["study"].get(f, "") for f in STUDY_FIELDS if f != "protocol_number"}
    study_values["sample_schedule"] = sample_schedule_values(config)
    study_values["assessments"] = assessment_values(config)
    with transaction.atomic(), audit_context(by=by, reason="Study configuration loaded"):
        before = Study.objects.filter(protocol_number=config["study"]["protocol_number"]).first()
        study = _sync(
            Study, {"protocol_number": config["study"]["protocol_number"]}, study_values, counts
        )
        if before is not None and before.assessments != study.assessments:
            # Another schedule of assessments: the reminder scan reads every recent visit's
            # expected forms again (Visit.forms_checked_at).
            Visit.objects.filter(forms_checked_at__isnull=False).update(forms_checked_at=None)
        for site_conf in config["sites"]:
            site = _sync(
                Site,
                {"code": site_conf["code"]},
                {"name": site_conf["name"], "country": site_conf.get("country", "")},
                counts,
            )
            study.sites.add(site)
        for level in config["dose_levels"]:
            _sync(
                DoseLevel,
                {"study": study, "code": level["code"]},
                {
                    "order": level["order"],
                    "dose_amount": Decimal(str(level["dose_amount"])),
                    "dose_unit": level["dose_unit"],
                    "description": level.get("description", ""),
                },
                counts,
            )
        _sync_escalation(study, escalation_values(config), counts)
        for key, spec in config["thresholds"].items():
            _sync(
                ProtocolThreshold,
                {"study": study, "key": key},
                {
                    "value": Decimal(str(spec["value"])),
                    "unit": spec.get("unit", ""),
                    "protocol_text": spec.get("text", ""),
                },
                counts,
            )
        for order, lab in enumerate(config["lab_limits"], start=1):
            _sync(
                LabLimit,
                {"study": study, "code": lab["code"]},
                {
                    "label": lab["label"],
                    "unit": lab["unit"],
                    "minimum": Decimal(lab["minimum"]) if "minimum" in lab else None,
                    "maximum": Decimal(lab["maximum"]) if "maximum" in lab else None,
                    "relative_to_uln": lab.get("relative_to_uln", False),
                    "test": lab.get("test", ""),
                    "order": order,
                },
                counts,
            )
        for limit in vital_sign_values(config):
            _sync(
                VitalSignLimit,
                {"study": study, "code": limit.pop("code")},
                limit,
                counts,
            )
        for definition in visit_definitions(config):
            _sync(
                VisitDefinition,
                {"study": study, "code": definition.code},
                {
                    "name": definition.name,
                    "kind": definition.kind.value,
                    "anchor": definition.anchor.value,
                    "offset_days": definition.offset_days,
                    "offset_months": definition.offset_months,
                    "window_before_days": definition.window_before_days,
                    "window_after_days": definition.window_after_days,
                    "cycle": definition.cycle,
                    "order": definition.order,
                },
                counts,
            )
    return study, counts


def _sync_escalation(study: Study, values: dict, counts: dict) -> None:
    """Store the design; once a subject is enrolled it may no longer change (its dose was
    assigned by the design in force)."""
    start = values.pop("start_dose")
    values["start_dose_level"] = study.dose_levels.get(code=start) if start else None
    current = EscalationDesign.objects.filter(study=study).first()
    if current is not None:
        changed = [name for name, value in values.items() if getattr(current, name) != value]
        enrolled = Subject.objects.filter(study=study, dose_level__isnull=False).count()
        if changed and enrolled:
            raise ImproperlyConfigured(
                f"[escalation]: the design cannot change once subjects are enrolled "
                f"({enrolled} enrolled; changed: {', '.join(changed)}): the doses they received "
                f"were assigned by the {current.get_design_display()} design as loaded"
            )
    _sync(EscalationDesign, {"study": study}, values, counts)


def definitions_of(study: Study) -> tuple[schedule.VisitDefinition, ...]:
    """The study's schedule from the database, as the pure schedule module takes it."""
    return tuple(
        schedule.VisitDefinition(
            code=d.code,
            name=d.name,
            kind=schedule.VisitKind(d.kind),
            anchor=schedule.Anchor(d.anchor),
            offset_days=d.offset_days,
            offset_months=d.offset_months,
            window_before_days=d.window_before_days,
            window_after_days=d.window_after_days,
            cycle=d.cycle,
            order=d.order,
        )
        for d in study.visit_definitions.order_by("order")
    )
