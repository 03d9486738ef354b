"""Reading the study file (studies/*.toml) and loading it into the database, idempotently."""

import tomllib
from decimal import Decimal
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from trial import schedule
from trial.audit import audit_context
from trial.models import (
    DoseLevel,
    LabLimit,
    ProtocolThreshold,
    Site,
    Study,
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
    return config


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
