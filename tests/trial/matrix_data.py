"""The trial the permission matrix is checked against, built through the real services.

Two sites. At each (FR01 = "own" for the site roles, FR02 = "other"): one subject enrolled and
given its C1D1 dose, a serious grade 3 fever (an SAE) and a non-serious grade 1 fatigue, a
baseline tumour assessment, a past condition in its medical history and a
monitor's query on the C1D1 dosing record. A data manager of all sites has run one CSV export
of each site. One user per role: the site roles at FR01, the study-wide roles for all sites,
the administrator a superuser; FR02 has its own coordinator and investigator, who entered its
data.
"""

import importlib
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

from django.conf import settings
from django.db.models import Model

from dosing.models import DosingRecord
from exports import services as exports
from exports.models import ExportRun
from followup.models import Notification
from history.services import medical_history_record
from labs.services import lab_result_record
from review.services import query_raise
from screening.models import EligibilityAssessment
from tests.adverse_events.factories import (
    FATIGUE,
    FEVER,
    REPORTED_AT,
    load_starter_dictionary,
    record_ae,
)
from tests.conftest import PASSWORD
from tests.dosing.factories import dosed_subject, visit_of
from tests.screening.factories import CONSENTED, TODAY, at
from trial.models import Membership, Role, Site, Subject, User
from trial.study_config import load_study, read_config
from tumours.services import baseline_record

OWN, OTHER = "own", "other"
# The roles of the matrix, in the order of its columns.
ROLES = (
    "anonymous",
    "coordinator",
    "investigator",
    "monitor",
    "data_manager",
    "sponsor_safety",
    "admin",
)
SITE_ROLES = frozenset({"coordinator", "investigator"})

# A chart download that exists whatever the user may see: one mark per subject, so a row of
# another site's subject would show.
CHART = {"page": "oncology", "chart": "swimmer", "fmt": "csv"}


@dataclass
class MatrixData:
    users: dict[str, User]  # by role name; no entry for "anonymous"
    objects: dict[str, dict[str, Model]]  # kind -> OWN / OTHER -> the object of that site
    subjects: dict[str, Subject]  # OWN / OTHER

    def url_kwargs(self, kind: str, site: str, params: tuple[str, ...]) -> dict[str, Any]:
        """The kwargs to reverse a URL with `params` for the `kind` object of `site`."""
        if kind == "none":
            return {}
        if kind == "chart":
            return dict(CHART)
        obj = self.objects[kind][site]
        if kind in ("record", "history"):
            return {"model_label": obj._meta.label_lower, "pk": obj.pk}
        (param,) = params
        return {param: obj.pk}

    def hidden_from(self, role: str) -> tuple[str, ...]:
        """Text that no page answered to `role` may contain: the screening and subject numbers
        of the other site's subject for a site role; for sponsor safety, who reads SAEs only,
        the terms of the non-serious AEs."""
        if role in SITE_ROLES:
            subject = self.subjects[OTHER]
            return (subject.screening_number, subject.subject_number)
        if role == "sponsor_safety":
            return tuple({ae.display_term for ae in self.objects["ae"].values()})
        return ()


def app_matrices() -> list[ModuleType]:
    """The CRF apps' own parts of the matrix: every `tests/<app>/matrix.py`, each with `ROWS`
    (URL name -> checks, see tests/trial/matrix_rows.py) and `objects(subject=, coordinator=,
    visit=, now=)`, the records of one site its rows are requested for, by kind name."""
    tests = Path(__file__).resolve().parent.parent
    return [
        importlib.import_module(f"tests.{path.parent.name}.matrix")
        for path in sorted(tests.glob("*/matrix.py"))
    ]


def _user(username: str, role: str | None, site: Site | None, **extra) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD, **extra)
    if role is not None:
        Membership.objects.create(user=user, site=site, role=role)
    return user


def _site_data(study, site: Site, coordinator: User, investigator: User, monitor: User):
    subject = dosed_subject(study, site, coordinator, investigator)
    sae = record_ae(
        subject,
        coordinator,
        term=FEVER,
        grade=3,
        serious=True,
        serious_criteria=["hospitalisation"],
        aware_at=REPORTED_AT,
    )
    ae = record_ae(subject, coordinator, term=FATIGUE)
    baseline = baseline_record(
        subject=subject,
        by=coordinator,
        assessment_date=CONSENTED,
        lesions=[
            {
                "lesion_id": "T1",
                "organ": "Liver",
                "is_lymph_node": False,
                "diameter_mm": Decimal(30),
            }
        ],
        non_target="not_present",
        today=TODAY,
    )
    dose = DosingRecord.objects.get(subject=subject, visit__code="C1D1")
    query = query_raise(
        record=dose,
        by=monitor,
        text="Please confirm the infused volume.",
        field_name="volume_ml",
        now=at(TODAY, 16),
    )
    medical_history = medical_history_record(
        subject=subject,
        by=coordinator,
        values={"condition": "Appendicitis", "start_date": "2001", "end_date": "2001"},
        now=at(TODAY, 16),
    )
    lab_result = lab_result_record(
        visit=visit_of(subject, "C1D1"),
        by=coordinator,
        values={"test": "ALT", "collected_on": TODAY, "value": Decimal(30), "unit": "U/L"},
        now=at(TODAY, 16),
    )
    subject.refresh_from_db()
    own_rows = {}
    for module in app_matrices():
        records = module.objects(
            subject=subject,
            coordinator=coordinator,
            visit=visit_of(subject, "C1D1"),
            now=at(TODAY, 16),
        )
        clash = set(records) & set(own_rows)
        assert not clash, f"{module.__name__}: object kinds {clash} already built"
        own_rows.update(records)
    return own_rows | {
        "subject": subject,
        "site": subject.site,
        "history": subject,
        "visit": visit_of(subject, "C1D1"),
        "eligibility": EligibilityAssessment.objects.get(subject=subject),
        "dose": dose,
        "record": dose,
        "tumour": baseline,
        "ae": ae,
        "sae": sae,
        "query": query,
        "medical_history": medical_history,
        "lab_result": lab_result,
        # The site coordinator's notification of that query.
        "notification": Notification.objects.get(user=coordinator, url__contains=f"/{query.pk}/"),
    }


def _export(data_manager: User, site: Site) -> ExportRun:
    run = exports.export_request(
        by=data_manager, format="csv", sites=[site.code], channel="command"
    )
    return exports.export_run(run_id=run.pk)


def build_matrix_data() -> MatrixData:
    study, _counts = load_study(read_config(settings.STUDY_CONFIG_FILE))
    load_starter_dictionary()
    site_a, site_b = Site.objects.get(code="FR01"), Site.objects.get(code="FR02")
    users = {
        "coordinator": _user("coord_a", Role.COORDINATOR, site_a),
        "investigator": _user("inv_a", Role.INVESTIGATOR, site_a),
        "monitor": _user("monitor", Role.MONITOR, None),
        "data_manager": _user("dm", Role.DATA_MANAGER, None),
        "sponsor_safety": _user("safety", Role.SPONSOR_SAFETY, None),
        "admin": _user("admin", Role.ADMIN, None, is_staff=True, is_superuser=True),
    }
    coord_b = _user("coord_b", Role.COORDINATOR, site_b)
    inv_b = _user("inv_b", Role.INVESTIGATOR, site_b)
    own = _site_data(study, site_a, users["coordinator"], users["investigator"], users["monitor"])
    other = _site_data(study, site_b, coord_b, inv_b, users["monitor"])
    own["export_run"] = _export(users["data_manager"], site_a)
    other["export_run"] = _export(users["data_manager"], site_b)
    objects = {kind: {OWN: own[kind], OTHER: other[kind]} for kind in own}
    return MatrixData(users=users, objects=objects, subjects=objects["subject"])
