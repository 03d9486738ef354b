"""Adverse event test data: the starter CTCAE dictionary and AEs recorded through the services.

Dates follow tests/screening/factories.py and tests/dosing/factories.py: consent on CONSENTED,
enrolled on TODAY, C1D1 given on PLANNED_C1D1. AE_ONSET is C1D3, inside the 21-day DLT window,
and REPORTED_AT (the `now` of the recording) is the afternoon of that day, so no test depends
on the real clock.
"""

from datetime import timedelta

from adverse_events.ctcae import import_terms, read_starter_csv
from adverse_events.forms import term_label
from adverse_events.models import AdverseEvent, CtcaeTerm
from adverse_events.services import AE_FIELDS, ae_record
from tests.screening.factories import PLANNED_C1D1, at
from trial.models import Subject, User

AE_ONSET = PLANNED_C1D1 + timedelta(days=2)  # C1D3
REPORTED_AT = at(AE_ONSET, 15)

# Terms of adverse_events/data/ctcae_starter.csv.
FEVER = "Fever"  # grades 1..5
FATIGUE = "Fatigue"  # grades 1..3 only
LYMPHOCYTES_DECREASED = "Lymphocyte count decreased"  # grades 1..4, no grade 5
GI_OTHER = "Gastrointestinal disorders - Other, specify"


def load_starter_dictionary() -> None:
    """The bundled CTCAE v5.0 starter list, imported as the management command does."""
    import_terms(read_starter_csv(), reason="CTCAE starter list for tests")


def ctcae(term: str) -> CtcaeTerm:
    return CtcaeTerm.objects.get(term=term)


def ae_values(term: str = FEVER, **changes) -> dict:
    """A grade 1 fever, ongoing, not serious, starting on AE_ONSET; keyed by AE_FIELDS.

    `term` is a CTCAE term name; `changes` override single fields.
    """
    values = {
        "term": ctcae(term),
        "verbatim_term": "",
        "onset_date": AE_ONSET,
        "ongoing": True,
        "end_date": None,
        "grade": 1,
        "serious": False,
        "serious_criteria": [],
        "aware_at": None,
        "action_taken": "dose_not_changed",
        "outcome": "not_recovered",
        "death_date": None,
        "treatment_given": "",
    }
    unknown = set(changes) - set(AE_FIELDS)
    if unknown:
        raise KeyError(f"not AE CRF fields: {sorted(unknown)}")
    return values | changes


def fatal_values(term: str = FEVER, **changes) -> dict:
    """A consistent grade 5 AE: fatal outcome, died on the onset day, serious (death)."""
    defaults = {
        "grade": 5,
        "ongoing": False,
        "end_date": AE_ONSET,
        "outcome": "fatal",
        "death_date": AE_ONSET,
        "serious": True,
        "serious_criteria": ["death"],
    }
    return ae_values(term, **(defaults | changes))


def serious_values(term: str = FEVER, **changes) -> dict:
    """A grade 3 AE that required hospitalisation."""
    defaults = {"grade": 3, "serious": True, "serious_criteria": ["hospitalisation"]}
    return ae_values(term, **(defaults | changes))


def record_ae(
    subject: Subject, by: User, *, term: str = FEVER, now=REPORTED_AT, **changes
) -> AdverseEvent:
    """An AE recorded through `ae_record` with `ae_values(term, **changes)`."""
    return ae_record(subject=subject, by=by, values=ae_values(term, **changes), now=now)


def form_data(values: dict) -> dict:
    """AE values as the browser posts the AE form (term as its typeahead label)."""
    data = {}
    for name, value in values.items():
        if name == "term":
            data[name] = term_label(value)
        elif isinstance(value, bool):
            if value:
                data[name] = "on"
        elif isinstance(value, list):
            data[name] = value
        elif value is None:
            data[name] = ""
        elif name == "aware_at":
            data[name] = value.strftime("%Y-%m-%dT%H:%M")
        else:
            data[name] = str(value)
    return data
