"""Medical-history test data, built through the real services.

Dates follow tests/screening/factories.py: consent on CONSENTED (TODAY - 7), the eligibility
CRF on ASSESSED; entries are recorded at RECORDED_AT (TODAY, noon), before the first dose.
"""

from decimal import Decimal

from adverse_events.models import CtcaeTerm
from history.models import MedicalHistory
from history.services import MH_FIELDS, medical_history_record, systemic_line_record
from tests.screening.factories import TODAY, at
from trial.models import Subject, User

RECORDED_AT = at(TODAY, 12)


def hypertension_term() -> CtcaeTerm:
    """CTCAE v5.0 'Hypertension' (not in the starter list), grades 1..5."""
    term, _ = CtcaeTerm.objects.get_or_create(
        meddra_code=10020772,
        defaults={
            "soc": "Vascular disorders",
            "term": "Hypertension",
            **{f"grade_{g}": f"Hypertension grade {g}" for g in range(1, 6)},
        },
    )
    return term


def history_values(**changes) -> dict:
    """Hypertension since March 2019 (a partial date), ongoing, baseline grade 2."""
    values = {
        "condition": "Hypertension",
        "term": hypertension_term(),
        "start_date": "2019-03",
        "ongoing": True,
        "end_date": "",
        "baseline_grade": 2,
        "baseline_grade_code": "",
        "treatment": "Amlodipine 5 mg daily",
    }
    unknown = set(changes) - set(MH_FIELDS)
    if unknown:
        raise KeyError(f"not medical-history fields: {sorted(unknown)}")
    return values | changes


def past_condition(**changes) -> dict:
    """Appendicitis in 2001, ended, no CTCAE term."""
    return (
        history_values(
            condition="Appendicitis",
            term=None,
            start_date="2001",
            ongoing=False,
            end_date="2001",
            baseline_grade=None,
            treatment="Appendectomy",
        )
        | changes
    )


def record_history(subject: Subject, by: User, **changes) -> MedicalHistory:
    return medical_history_record(
        subject=subject, by=by, values=history_values(**changes), now=RECORDED_AT
    )


def form_data(values: dict) -> dict:
    """The POST body of the medical-history form for `values`."""
    data = {}
    for name, value in values.items():
        if name == "term":
            data[name] = f"{value.term} — {value.soc} [{value.meddra_code}]" if value else ""
        elif name == "ongoing":
            if value:
                data[name] = "on"
        elif value is None:
            data[name] = ""
        else:
            data[name] = str(value)
    return data


# --- prior cancer therapy ----------------------------------------------------------------------
# The eligibility CRF of tests/screening/factories.py says: refractory to second-line
# treatment, last chemotherapy on LAST_CHEMOTHERAPY (60 days before the assessment), no
# radiotherapy, no surgery, no nitrosourea. These records agree with it unless changed.


def line_values(**changes) -> dict:
    """Line 2, FOLFIRI, ended by progression on LAST_CHEMOTHERAPY."""
    from tests.screening.factories import LAST_CHEMOTHERAPY

    values = {
        "line_number": 2,
        "regimen": "FOLFIRI",
        "agents": "irinotecan, fluorouracil, folinic acid",
        "start_date": "2026-03",
        "end_date": LAST_CHEMOTHERAPY.isoformat(),
        "best_response": "PD",
        "reason_stopped": "progression",
        "reason_stopped_other": "",
    }
    return values | changes


def first_line_values(**changes) -> dict:
    """Line 1, FOLFOX in 2025, ended by progression."""
    return (
        line_values(
            line_number=1,
            regimen="FOLFOX",
            agents="oxaliplatin, fluorouracil, folinic acid",
            start_date="2025-01",
            end_date="2025-11",
            best_response="PR",
        )
        | changes
    )


def radiotherapy_values(**changes) -> dict:
    return {
        "site": "Left axilla",
        "total_dose_gy": Decimal("50"),
        "total_dose_code": "",
        "start_date": "2024-02-05",
        "end_date": "2024-03-08",
    } | changes


def surgery_values(**changes) -> dict:
    return {"procedure": "Wide local excision", "surgery_date": "2023-07"} | changes


def record_lines(subject: Subject, by: User) -> list:
    """Lines 1 and 2: what the eligibility CRF's answers say."""
    return [
        systemic_line_record(subject=subject, by=by, values=first_line_values(), now=RECORDED_AT),
        systemic_line_record(subject=subject, by=by, values=line_values(), now=RECORDED_AT),
    ]


def therapy_form_data(values: dict) -> dict:
    """The POST body of a prior-therapy form for `values`."""
    return {name: "" if value is None else str(value) for name, value in values.items()}
