"""Reading the study file (studies/*.toml) and loading it into the database, idempotently."""

import tomllib
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from trial import schedule
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
    VisitDefinition,
)

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
    for section in ("study", "sites", "dose_levels", "schedule", "thresholds", "lab_limits"):
        if section not in config:
            raise ImproperlyConfigured(f"Study file {path} has no [{section}] section")
    missing = [f for f in STUDY_FIELDS if f not in config["study"] and f != "sponsor"]
    if missing:
        raise ImproperlyConfigured(f"[study] in {path} lacks: {', '.join(missing)}")
    escalation_values(config, path=path)
    return config


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
    with transaction.atomic(), audit_context(by=by, reason="Study configuration loaded"):
        study = _sync(
            Study, {"protocol_number": config["study"]["protocol_number"]}, study_values, counts
        )
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
                    "order": order,
                },
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
