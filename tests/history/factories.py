"""Medical-history test data, built through the real services.

Dates follow tests/screening/factories.py: consent on CONSENTED (TODAY - 7), the eligibility
CRF on ASSESSED; entries are recorded at RECORDED_AT (TODAY, noon), before the first dose.
"""

from adverse_events.models import CtcaeTerm
from history.models import MedicalHistory
from history.services import MH_FIELDS, medical_history_record
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
