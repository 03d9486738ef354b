"""The demo trial: about thirty patients at three sites, written through the product's services.

Every row is created by the service a person's click would call (registration, consent,
eligibility, the investigator's e-signed confirmation, enrollment at the level the 3+3 rule
opens, dosing, visits, RECIST assessments, AEs and their causality and DLT decisions, SAE
sign-off, queries, signatures, source-data verification, locks, the reminder scan, an export),
so the rules, clocks, automatic queries, audit events and signatures are the product's own.
The history is dated relative to today: each step runs "as of" its day, by passing that day
(`today=`) and moment (`now=`) to the service, which checks it exactly as it would on that day
(no C1D1 in the past at enrollment, no data before consent, nothing in the future).

The story, first patient in about twenty months ago (days are relative to today):

- DL1, C1D1 on days -600..-588: 0 DLT in 3 (one grade 3 candidate decided "not a DLT"), so
  the 3+3 rule escalates. One patient completed the study, one died after progressing at
  the first scan, one was lost to follow-up.
- DL2, C1D1 on days -420..-408: one DLT (grade 3 ALT increased) in 3, so the rule expands the
  level to 6; the expansion (C1D1 on days -110..-98) has no DLT: 1 in 6, escalate. The first
  three are in follow-up (one with a complete response) or withdrew; the expansion is on
  treatment, with an overdue SAE report, an out-of-window dose and a fever after a dose.
- DL3, C1D1 on days -14, -10 and tomorrow: all three inside the DLT window; one DLT decided
  (a cytokine release syndrome that is also a SUSAR, its SAE report signed), a candidate
  pending, an SAE inside its 24-hour clock. No level is open until the window closes.
- The subjects on treatment (and M, enrolled, at screening) have, at each performed visit,
  the lab panels the schedule of assessments expects there (every test, values inside the
  site's normal ranges but J's grade 2 neutropenia without an AE, its automatic query, and
  K's grade 3 platelets, its AE), triplicate ECGs (screening, C1D1 before and after the
  dose, end of treatment; QTcF grade 0) and the PK, ADA and biomarker samples of the
  study's [samples] schedule, processed, stored and shipped, all within tolerance but H's
  C2D1 4-hour PK sample, 35 minutes late: its automatic query. The subjects whose treatment
  is over keep only doses, AEs and scans (the seed's time: each form is a service's write).
- Screen failures for eleven different criteria, patients still in screening (one eligible and
  awaiting the investigator's confirmation, one confirmed and waiting for a place at DL3) and
  one registration voided as entered in error.

The timestamps the database writes itself (audit events, `recorded_at`, notification times)
are those of the run: the audit trail says truthfully when each row was written.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher, get_hasher, make_password
from django.test.utils import override_settings
from django.utils import timezone

from adverse_events import services as ae_services
from adverse_events.models import AdverseEvent, CtcaeTerm
from demo.visit_values import (
    RangeRow,
    ecg_readings,
    lab_value,
    leukocytes,
    normal_range,
    sample_moment,
    vital_signs,
)
from dispositions import services as dispositions
from dispositions.models import DispositionKind
from dosing import services as dosing
from dosing.models import DoseChange, DosingRecord, Route
from ecg.services import ecg_record
from exports import services as exports
from exports.models import ExportChannel, ExportFormat
from followup import services as reminders
from followup.models import Notification
from history.services import medical_history_record
from labs.models import PANEL_OF_TEST
from labs.services import lab_result_record, normal_range_record
from medications.services import medication_record
from review import services as review
from review import visits
from review.models import Query, SignatureMeaning
from review.subjects import subject_void
from samples.services import sample_record, sample_stage_record, scheduled_at
from screening import services as screening
from trial.assessments import expected_at
from trial.models import (
    Membership,
    Role,
    Site,
    Study,
    Subject,
    SubjectStatus,
    User,
    Visit,
    VisitKind,
)
from trial.selectors import last_dose_date
from trial.services import subject_register
from tumours import services as tumour
from vitals.services import vitals_record

DEMO_PASSWORD = "demo-pass-2026"
# (username, first, last, role, site code or None for all sites)
DEMO_USERS = [
    ("coordinator", "Camille", "Durand", Role.COORDINATOR, "FR01"),
    ("coordinator2", "Li", "Wei", Role.COORDINATOR, "FR02"),
    ("coordinator3", "Mei", "Chen", Role.COORDINATOR, "CN01"),
    ("investigator", "Pierre", "Martin", Role.INVESTIGATOR, "FR01"),
    ("investigator2", "Claire", "Bernard", Role.INVESTIGATOR, "FR02"),
    ("investigator3", "Jun", "Zhang", Role.INVESTIGATOR, "CN01"),
    ("monitor", "Anna", "Schmidt", Role.MONITOR, None),
    ("datamanager", "Sofia", "Rossi", Role.DATA_MANAGER, None),
    ("safety", "James", "Walker", Role.SPONSOR_SAFETY, None),
    ("admin", "Ada", "Admin", Role.ADMIN, None),
]
SITE_STAFF = {
    "FR01": ("coordinator", "investigator"),
    "FR02": ("coordinator2", "investigator2"),
    "CN01": ("coordinator3", "investigator3"),
}
LABS = {
    "anc": {"value": "2.4", "uln": None},
    "platelets": {"value": "210", "uln": None},
    "haemoglobin": {"value": "138", "uln": None},
    "bilirubin": {"value": "11", "uln": "21"},
    "alt": {"value": "28", "uln": "40"},
    "ast": {"value": "31", "uln": "35"},
    "creatinine": {"value": "78", "uln": "110"},
}


# Each demo site laboratory's normal ranges: (test, unit, low, high, sex), every test of the
# haematology, chemistry and coagulation panels (labs.models.PANEL_OF_TEST) and the 24-hour
# urine protein of the urinalysis (its dipsticks are read by category, without a range).
LAB_RANGES = (
    ("ALT", "U/L", "7", "40", ""),
    ("AST", "U/L", "8", "35", ""),
    ("BILI", "umol/L", "3", "21", ""),
    ("CREAT", "umol/L", "45", "110", ""),
    ("NEUT", "10^9/L", "2.0", "7.5", ""),
    ("WBC", "10^9/L", "4.0", "10.0", ""),
    ("PLAT", "10^9/L", "150", "400", ""),
    ("HGB", "g/L", "130", "170", "M"),
    ("HGB", "g/L", "120", "155", "F"),
    ("INR", "RATIO", "0.8", "1.2", ""),
    ("APTT", "sec", "25", "40", ""),
    ("PROTEXR", "g/day", "0", "0.15", ""),
)


def lab_ranges_record(*, site: Site, by: User, laboratory: str, effective_from: date, now) -> None:
    """The site laboratory's LAB_RANGES, through the service (the demo and the lab bench)."""
    for test, unit, low, high, sex in LAB_RANGES:
        normal_range_record(
            site=site,
            by=by,
            values={
                "laboratory": laboratory,
                "test": test,
                "unit": unit,
                "low": Decimal(low),
                "high": Decimal(high),
                "sex": sex,
                "age_min": None,
                "age_max": None,
                "effective_from": effective_from,
                "effective_to": None,
            },
            now=now,
        )


# Whose visits carry the lab panels, ECGs and samples the schedule of assessments expects:
# every enrolled subject's, so no performed visit shows a form missing.
WITH_VISIT_FORMS = frozenset(SubjectStatus) - {SubjectStatus.SCREENING, SubjectStatus.SCREEN_FAILED}
DEMO_RANGES = tuple(
    RangeRow(test, unit, Decimal(low), Decimal(high), sex)
    for test, unit, low, high, sex in LAB_RANGES
)
# The screening panel repeats the eligibility CRF's lab answers (LABS), as its source is the
# same draw, and LABS's ULNs are the site ranges' (LAB_RANGES): a disagreement is an automatic
# query (screening.lab_panel). The white cell count, not asked there, follows the neutrophils.
SCREENING_LABS = {
    "NEUT": "anc",
    "PLAT": "platelets",
    "HGB": "haemoglobin",
    "BILI": "bilirubin",
    "ALT": "alt",
    "AST": "ast",
    "CREAT": "creatinine",
}


@dataclass
class Patient:
    """What the story needs to remember about one demo subject."""

    subject: Subject
    crc: User
    pi: User
    c1d1: int | None = None  # day offset of the first dose


class DemoSeeder:
    """Builds the demo trial through the services, as of `now` (see the module docstring)."""

    def __init__(self, *, study: Study, now: datetime, out=None):
        self.study = study
        self.now = now
        self.today = timezone.localdate(now)
        self.out = out
        self.users: dict[str, User] = {}
        self.terms = {t.term: t for t in CtcaeTerm.objects.all()}
        self.recorded: dict[int, datetime] = {}  # AE id -> the moment it was recorded
        # (subject id, visit code, sample type, nominal time) -> minutes late, where a sample
        # is not collected on time (visit_samples).
        self.sample_late: dict[tuple[int, str, str, str], int] = {}

    # --- time ---------------------------------------------------------------------------

    def day(self, offset: int) -> date:
        return self.today + timedelta(days=offset)

    def at(self, offset: int, hour: int = 10, minute: int = 0) -> datetime:
        """An aware moment on day `offset`, in the study's time zone, never after `now`."""
        moment = datetime.combine(
            self.day(offset), time(hour, minute), tzinfo=timezone.get_current_timezone()
        )
        return min(moment, self.now)

    def offset_of(self, on: date) -> int:
        return (on - self.today).days

    # --- people -------------------------------------------------------------------------

    def create_users(self) -> None:
        """One user per role (three sites' coordinators and investigators), one password.

        Users are not clinical data and have no service: created as `createsuperuser` does.
        The one hash is computed once (Argon2 is deliberately slow) and shared.
        """
        encoded = make_password(DEMO_PASSWORD)
        for username, first, last, role, site_code in DEMO_USERS:
            user, created = User.objects.get_or_create(
                username=username,
                defaults={
                    "first_name": first,
                    "last_name": last,
                    "email": f"{username}@example.org",
                    "is_staff": role == Role.ADMIN,
                    "is_superuser": role == Role.ADMIN,
                    "password": encoded,
                },
            )
            site = Site.objects.get(code=site_code) if site_code else None
            Membership.objects.get_or_create(user=user, site=site, role=role)
            self.users[username] = user

    def staff(self, site_code: str) -> tuple[User, User]:
        crc, pi = SITE_STAFF[site_code]
        return self.users[crc], self.users[pi]

    # --- screening ----------------------------------------------------------------------

    def born(self, age: int, on: int) -> date:
        """A date of birth giving `age` full years on day `on` (birthday 100 days earlier)."""
        then = self.day(on) - timedelta(days=100)
        return then.replace(year=then.year - age)

    def eligible_values(self, assessed: int, sex: str, **changes) -> dict:
        """The eligibility CRF of a patient who meets every criterion on day `assessed`."""
        woman = sex == "F"
        values = {
            "assessment_date": self.day(assessed),
            "histology_confirmed": True,
            "refractory_to_second_line": True,
            "no_standard_treatment": True,
            "ecog": 1,
            "expected_survival_months": 6,
            "had_chemotherapy": True,
            "last_chemotherapy_date": self.day(assessed - 45),
            "had_radiotherapy": False,
            "last_radiotherapy_date": None,
            "had_surgery": False,
            "last_surgery_date": None,
            "had_nitrosourea_or_mitomycin": False,
            "last_nitrosourea_or_mitomycin_date": None,
            "had_other_trial_drug": False,
            "last_other_trial_drug_date": None,
            "labs": LABS,
            "tumour_near_major_vessels_or_trachea": False,
            "nyha_class": 1,
            "unstable_angina": False,
            "had_myocardial_infarction": False,
            "last_myocardial_infarction_date": None,
            "arrhythmia_requiring_treatment": False,
            "pregnant": False if woman else None,
            "lactating": False if woman else None,
            "childbearing_potential": False if woman else None,
            "pregnancy_test_result": None,
            "active_tuberculosis": False,
            "bacterial_or_fungal_infection_grade": 0,
            "active_hiv": False,
            "active_hbv": False,
            "hcv_infection": False,
            "psychotropic_abuse_unable_to_quit": False,
            "mental_disorder": False,
            "immunosuppressive_treatment": False,
            "drug_or_alcohol_abuse_history": False,
            "autoimmune_conditions": [],
            "allergy_to_study_drug": False,
            "severe_allergy_history": [],
            "pregnancy_plan_within_window": False,
            "investigator_excludes_for_concomitant_disease": False,
        }
        return values | changes

    def register(
        self, site: str, sex: str, age: int, tumour_type: str, *, registered: int
    ) -> Patient:
        crc, pi = self.staff(site)
        subject = subject_register(
            study=self.study,
            site=Site.objects.get(code=site),
            by=crc,
            sex=sex,
            date_of_birth=self.born(age, registered),
            tumour_type=tumour_type,
            different_patient_confirmed=True,
        )
        return Patient(subject, crc, pi)

    def consent(self, patient: Patient, on: int) -> None:
        screening.consent_record(
            subject=patient.subject,
            by=patient.crc,
            icf_version="2.0",
            signed_at=self.at(on, 9),
            now=self.at(on, 10),
        )

    def assess(self, patient: Patient, on: int, **changes) -> None:
        screening.eligibility_save(
            subject=patient.subject,
            by=patient.crc,
            values=self.eligible_values(on, patient.subject.sex, **changes),
            today=self.day(on),
        )

    def confirm(self, patient: Patient, on: int) -> None:
        screening.eligibility_confirm(
            subject=patient.subject,
            by=patient.pi,
            today=self.day(on),
            password=DEMO_PASSWORD,
            now=self.at(on, 14),
        )

    def screen_failure(
        self, site, sex, age, tumour_type, *, on: int, reason: str, **changes
    ) -> Patient:
        """Registered, consented and assessed on day `on`; failed for `reason` (the CRF's)."""
        patient = self.register(site, sex, age, tumour_type, registered=on - 3)
        self.consent(patient, on - 3)
        self.assess(patient, on, **changes)
        screening.subject_screen_fail(
            subject=patient.subject, by=patient.crc, reason=reason, now=self.at(on, 16)
        )
        return patient

    def enrolled(
        self, site, sex, age, tumour_type, *, c1d1: int, lesions, non_target=()
    ) -> Patient:
        """Consented on C1D1-14, assessed on C1D1-7 with its baseline scan, confirmed by the
        investigator on C1D1-6 and enrolled on C1D1-5 at the level the 3+3 rule opens."""
        patient = self.register(site, sex, age, tumour_type, registered=c1d1 - 14)
        self.consent(patient, c1d1 - 14)
        self.assess(patient, c1d1 - 7)
        self.confirm(patient, c1d1 - 6)
        patient.subject = screening.subject_enroll(
            subject=patient.subject,
            by=patient.crc,
            planned_c1d1=self.day(c1d1),
            today=self.day(c1d1 - 5),
            now=self.at(c1d1 - 5, 16),
        )
        patient.c1d1 = c1d1
        tumour.baseline_record(
            subject=patient.subject,
            by=patient.crc,
            assessment_date=self.day(c1d1 - 7),
            lesions=[
                {
                    "lesion_id": f"T{n}",
                    "organ": organ,
                    "is_lymph_node": organ == "Lymph node",
                    "location": f"{organ}, target lesion {n}",
                    "diameter_mm": Decimal(size),
                }
                for n, (organ, size) in enumerate(lesions, start=1)
            ],
            non_target_lesions=[
                {"organ": organ, "location": location, "is_lymph_node": organ == "Lymph node"}
                for organ, location in non_target
            ],
            today=self.day(c1d1 - 5),
        )
        return patient

    # --- treatment and visits -------------------------------------------------------------

    def visit(self, patient: Patient, code: str) -> Visit:
        return Visit.objects.get(subject=patient.subject, code=code)

    def dose(self, patient: Patient, code: str, *, late: int = 0, **changes) -> DosingRecord:
        """The dose of `code` given on its target day (+ `late` days), normal vital signs."""
        visit = self.visit(patient, code)
        on = visit.target_date + timedelta(days=late)
        level = patient.subject.dose_level
        values = {
            "dose_change": DoseChange.NONE,
            "dose_change_reason": "",
            "administered_on": on,
            "start_time": time(9, 30),
            "stop_time": time(9, 42),
            "dose_level": level,
            "dose_amount": level.dose_amount,
            "dose_unit": level.dose_unit,
            "volume_ml": Decimal("1.00"),
            "route": Route.INTRATUMOURAL,
            "injected_lesions": "Target lesion T1",
            "lot_number": f"IL22-{on:%y%m}-A",
            "deviation_reason": "",
            "pre_temperature_c": Decimal("36.7"),
            "pre_pulse_bpm": Decimal("74"),
            "pre_systolic_mmhg": Decimal("124"),
            "pre_diastolic_mmhg": Decimal("78"),
            "pre_respiratory_rate": Decimal("14"),
            "pre_spo2_pct": Decimal("98"),
            "post_temperature_c": Decimal("37.0"),
            "post_pulse_bpm": Decimal("78"),
            "post_systolic_mmhg": Decimal("128"),
            "post_diastolic_mmhg": Decimal("80"),
            "post_respiratory_rate": Decimal("15"),
            "post_spo2_pct": Decimal("97"),
            "immediate_reaction": "",
            "pregnancy_test": "",
        } | changes
        offset = self.offset_of(on)
        record = dosing.dose_record(
            visit=visit,
            by=patient.crc,
            values=values,
            today=on,
            now=self.at(offset, 13),
        )
        patient.subject.refresh_from_db()
        return record

    def complete(self, patient: Patient, code: str, *, late: int = 0) -> Visit | None:
        """A non-dosing visit performed on its target day (+ `late`), if that day is past."""
        visit = self.visit(patient, code)
        on = visit.target_date + timedelta(days=late)
        if on >= self.today:
            return None
        return visits.visit_complete(
            visit=visit, by=patient.crc, on=on, today=on, now=self.at(self.offset_of(on), 15)
        )

    def missed(self, patient: Patient, code: str, reason: str) -> None:
        visits.visit_mark_missed(visit=self.visit(patient, code), by=patient.crc, reason=reason)

    def treat(self, patient: Patient, cycles: int, *, late=None, vitals=None, skip=()):
        """Doses of cycles 1..`cycles` whose day is past (`late`: days late per visit code,
        `vitals`: changed vital signs per code), and the cycle 1 safety visits but `skip`."""
        late = late or {}
        vitals = vitals or {}
        for cycle in range(1, cycles + 1):
            code = f"C{cycle}D1"
            target = self.visit(patient, code).target_date + timedelta(days=late.get(code, 0))
            if target >= self.today:
                break
            self.dose(patient, code, late=late.get(code, 0), **vitals.get(code, {}))
            if cycle == 1:
                for safety in ("C1D2", "C1D8", "C1D15"):
                    if safety not in skip:
                        self.complete(patient, safety)

    def end_treatment(self, patient: Patient, *, after: int, reason: str) -> None:
        """End of treatment `after` days past the last dose, then the EOT visit."""
        last = last_dose_date(patient.subject)
        on = last + timedelta(days=after)
        dispositions.disposition_record(
            kind=DispositionKind.END_OF_TREATMENT,
            subject=patient.subject,
            by=patient.crc,
            on=on,
            reason=reason,
            today=on,
        )
        patient.subject.refresh_from_db()
        eot = self.visit(patient, "EOT")
        performed = max(on, eot.window_opens_on)
        if performed < self.today:
            visits.visit_complete(
                visit=eot,
                by=patient.crc,
                on=performed,
                today=performed,
                now=self.at(self.offset_of(performed), 15),
            )

    def follow_up(self, patient: Patient, *codes: str) -> None:
        for code in codes:
            self.complete(patient, code)

    def exit(self, patient: Patient, kind: DispositionKind, *, on: int, reason: str) -> None:
        dispositions.disposition_record(
            subject=patient.subject,
            kind=kind,
            by=patient.crc,
            on=self.day(on),
            reason=reason,
            today=self.day(on),
        )
        patient.subject.refresh_from_db()

    # --- tumour assessments -----------------------------------------------------------------

    def scan(self, patient: Patient, week: int, sizes, *, states=None, new=()):
        """A RECIST time point `week` weeks after C1D1; the response is the rules'. `states`:
        each non-target lesion's; `new`: the new lesions (organ, location, equivocal)."""
        on = patient.c1d1 + 7 * week
        tumour.follow_up_record(
            subject=patient.subject,
            by=patient.crc,
            assessment_date=self.day(on),
            diameters={f"T{n}": Decimal(size) for n, size in enumerate(sizes, start=1)},
            non_target_states=states,
            new_lesions=bool(new),
            new_lesion_rows=[
                {"organ": organ, "location": location, "equivocal": equivocal}
                for organ, location, equivocal in new
            ],
            today=self.day(on),
        )

    # --- adverse events --------------------------------------------------------------------

    def ae(
        self,
        patient: Patient,
        term: str,
        grade: int,
        *,
        onset: int,
        days: int | None = None,
        serious: tuple[str, ...] = (),
        aware_at: datetime | None = None,
        action: str = "dose_not_changed",
        recorded: datetime | None = None,
    ) -> AdverseEvent:
        """An AE of `grade` with onset on day `onset` of treatment (C1D1 is day 1), recorded
        the next morning as ongoing and, when it lasted `days` days and that is past,
        followed up as resolved the day after; `serious` lists ICH E2A criteria."""
        start = patient.c1d1 + onset - 1
        values = {
            "term": self.terms[term],
            "verbatim_term": "",
            "onset_date": self.day(start),
            "ongoing": True,
            "end_date": None,
            "grade": grade,
            "serious": bool(serious),
            "serious_criteria": list(serious),
            "aware_at": aware_at or (self.at(start, 18) if serious else None),
            "action_taken": action,
            "outcome": "not_recovered",
            "death_date": None,
            "treatment_given": "",
        }
        moment = recorded or self.at(start + 1, 11)
        if values["aware_at"]:
            moment = max(moment, values["aware_at"])
        ae = ae_services.ae_record(
            subject=patient.subject, by=patient.crc, values=values, now=moment
        )
        self.recorded[ae.pk] = moment
        end = None if days is None else start + days
        if end is not None and end + 1 < 0:
            ae = ae_services.ae_update(
                ae=ae,
                by=patient.crc,
                values=values
                | {"ongoing": False, "end_date": self.day(end), "outcome": "recovered"},
                reason="Follow-up: the event resolved",
                expected_version=ae.version,
                now=self.at(end + 1, 12),
            )
        return ae

    def causality(self, patient, ae, relationship, expectedness="expected", *, on=None):
        """The investigator's assessment, a few hours after the AE was recorded by default."""
        return ae_services.ae_assess_causality(
            ae=ae,
            by=patient.pi,
            relationship=relationship,
            expectedness=expectedness,
            now=on or min(self.recorded[ae.pk] + timedelta(hours=5), self.now),
        )

    def decide_dlt(self, patient, ae, is_dlt: bool, *, on: int) -> AdverseEvent:
        return ae_services.ae_decide_dlt(ae=ae, by=patient.pi, is_dlt=is_dlt, now=self.at(on, 17))

    # --- review ------------------------------------------------------------------------------

    def sign(self, patient: Patient, record, *, on: int):
        return review.record_sign(
            record=record,
            user=patient.pi,
            meaning=SignatureMeaning.REVIEWED,
            password=DEMO_PASSWORD,
            now=self.at(on, 18),
        )

    def verify(self, record, *, on: int, field_name: str = ""):
        return review.record_verify(
            record=record, by=self.users["monitor"], field_name=field_name, now=self.at(on, 11)
        )

    def query(self, record, text: str, *, on: int, field_name: str = "", by="monitor") -> Query:
        return review.query_raise(
            record=record,
            by=self.users[by],
            text=text,
            field_name=field_name,
            now=self.at(on, 10),
        )

    def answer(self, patient: Patient, query: Query, text: str, *, on: int) -> Query:
        return review.query_answer(query=query, by=patient.crc, text=text, now=self.at(on, 14))

    def close(self, query: Query, text: str, *, on: int) -> Query:
        return review.query_close(
            query=query, by=self.users["monitor"], text=text, now=self.at(on, 16)
        )

    def dose_of(self, patient: Patient, code: str) -> DosingRecord:
        return DosingRecord.objects.get(subject=patient.subject, visit__code=code)

    # --- the story -----------------------------------------------------------------------------

    def run(self) -> dict[str, int]:
        self.create_users()
        early_failures = self.early_screen_failures()
        dl1 = self.dose_level_1()
        dl2 = self.dose_level_2_first_cohort()
        later_failures = self.later_screen_failures()
        expansion = self.dose_level_2_expansion()
        dl3 = self.dose_level_3()
        self.in_screening()
        self.background_and_labs(dl3)
        # H's C2D1 4-hour PK sample, 35 minutes late (tolerance 15): its automatic query.
        self.sample_late = {(expansion[1].subject.pk, "C2D1", "PK", "H4"): 35}
        # Every enrolled subject's performed visits (samples only for those on treatment).
        treated = [
            p for p in (*dl1, *dl2, *expansion, *dl3) if p.subject.status in WITH_VISIT_FORMS
        ]
        self.visit_assessments(treated, self.lab_stories(dl3))
        self.urinalysis(dl3)
        self.review_and_lock(dl1, dl2, expansion, dl3)
        self.reminders_and_notifications()
        self.export()
        return {
            "subjects": Subject.objects.count(),
            "screen failures": len(early_failures) + len(later_failures),
            "enrolled": len(dl1) + len(dl2) + len(expansion) + len(dl3),
            "adverse events": AdverseEvent.objects.count(),
            "queries": Query.objects.count(),
            "notifications": Notification.objects.count(),
        }

    def early_screen_failures(self) -> list[Patient]:
        return [
            self.screen_failure(
                "FR01", "M", 74, "melanoma", on=-612,
                reason="Age 74 at screening: inclusion 1 allows 18 to 70 years",
            ),
            self.screen_failure(
                "FR02", "F", 57, "hnscc", on=-590,
                reason="Chemotherapy 14 days before screening: 28-day washout not met",
                last_chemotherapy_date=self.day(-604),
            ),
            self.screen_failure(
                "CN01", "M", 61, "sts", on=-430,
                reason="ECOG 2: inclusion 3 requires 0 to 1",
                ecog=2,
            ),
        ]  # fmt: skip

    def later_screen_failures(self) -> list[Patient]:
        return [
            self.screen_failure(
                "FR01", "F", 48, "melanoma", on=-300,
                reason="Hypothyroidism (autoimmune): exclusion 7",
                autoimmune_conditions=["hypothyroidism"],
            ),
            self.screen_failure(
                "FR02", "M", 66, "hnscc", on=-240,
                reason="Myocardial infarction 5 months ago: exclusion 3",
                had_myocardial_infarction=True,
                last_myocardial_infarction_date=self.day(-390),
            ),
            self.screen_failure(
                "CN01", "M", 53, "hnscc", on=-180,
                reason="Active HBV infection: exclusion 5",
                active_hbv=True,
            ),
            self.screen_failure(
                "FR01", "M", 44, "sts", on=-130,
                reason="Nitrosourea 3 weeks ago: 6-week washout not met",
                had_nitrosourea_or_mitomycin=True,
                last_nitrosourea_or_mitomycin_date=self.day(-151),
            ),
            self.screen_failure(
                "FR02", "F", 39, "melanoma", on=-60,
                reason="Positive pregnancy test: exclusion 4",
                childbearing_potential=True,
                pregnancy_test_result="positive",
            ),
            self.screen_failure(
                "FR01", "M", 62, "hnscc", on=-95,
                reason="Tumour encasing the carotid artery: exclusion 2",
                tumour_near_major_vessels_or_trachea=True,
            ),
            self.screen_failure(
                "FR02", "F", 50, "sts", on=-75,
                reason="Anaphylactic shock to a contrast medium in 2019: exclusion 10",
                severe_allergy_history=["anaphylactic_shock"],
            ),
            self.screen_failure(
                "CN01", "F", 58, "sts", on=-35,
                reason="Expected survival 2 months: inclusion 4 requires 3 months or more",
                expected_survival_months=2,
            ),
        ]  # fmt: skip

    def dose_level_1(self) -> list[Patient]:
        """DL1: 0 DLT in 3, so the 3+3 rule escalates to DL2."""
        a = self.enrolled(
            "FR01", "F", 58, "melanoma", c1d1=-600, lesions=[("Skin", 34), ("Lymph node", 28)]
        )
        self.treat(a, 6)
        injection = self.ae(a, "Injection site reaction", 1, onset=1, days=3)
        self.causality(a, injection, "definite")
        lympho = self.ae(a, "Lymphocyte count decreased", 3, onset=8, days=9)
        self.causality(a, lympho, "possible")
        self.decide_dlt(a, lympho, False, on=a.c1d1 + 18)
        fatigue = self.ae(a, "Fatigue", 2, onset=30, days=12)
        self.causality(a, fatigue, "possible")
        self.scan(a, 6, [26, 19])  # -27 %: SD
        self.scan(a, 12, [22, 17])  # -37 %: PR
        # An equivocal new lesion, never confirmed: not progression (RECIST 1.1, 4.3.2).
        self.scan(a, 18, [23, 17], new=[("Liver", "segment VI, 4 mm", True)])
        self.end_treatment(a, after=7, reason="Six cycles completed per protocol")
        self.follow_up(a, "FU1M", "FU3M", "FU6M", "FU9M", "FU12M")
        fu12 = self.visit(a, "FU12M").completed_on
        self.exit(
            a,
            DispositionKind.END_OF_STUDY,
            on=self.offset_of(fu12) + 1,
            reason="12-month follow-up completed",
        )

        b = self.enrolled("FR02", "M", 64, "hnscc", c1d1=-594, lesions=[("Neck", 48)])
        self.treat(b, 2)
        nausea = self.ae(b, "Nausea", 2, onset=2, days=4)
        self.causality(b, nausea, "probable")
        # Its treatment, recorded on the medications CRF for the AE (the AE page lists it).
        self.medication(
            b,
            "Ondansetron 8 mg every 8 hours",
            self.day(b.c1d1 + 1).isoformat(),
            self.at(b.c1d1 + 6, 10),
            end=self.day(b.c1d1 + 5).isoformat(),
            ae=nausea,
        )
        fever = self.ae(b, "Fever", 1, onset=2, days=1)
        self.causality(b, fever, "definite")
        # +25 % from the baseline: PD at the first assessment, and a new bone lesion.
        self.scan(b, 6, [60], new=[("Bone", "left femur", False)])
        self.end_treatment(b, after=22, reason="Disease progression (RECIST PD)")
        self.follow_up(b, "FU1M", "FU3M")
        died = self.offset_of(self.visit(b, "FU3M").completed_on) + 40
        self.exit(b, DispositionKind.DEATH, on=died, reason="Disease progression")

        c = self.enrolled(
            "CN01",
            "M",
            45,
            "sts",
            c1d1=-588,
            lesions=[("Thigh", 30), ("Lung", 28), ("Lung", 22)],
            non_target=[("Lung", "right lower lobe, several nodules < 10 mm"), ("Pleura", "")],
        )
        self.treat(c, 6)
        arthralgia = self.ae(c, "Arthralgia", 2, onset=20, days=10)
        self.causality(c, arthralgia, "unlikely")
        pruritus = self.ae(c, "Pruritus", 1, onset=45, days=6)
        self.causality(c, pruritus, "possible")
        present = {"NT1": "present", "NT2": "present"}
        self.scan(c, 6, [29, 27, 20], states=present)
        self.scan(c, 12, [30, 27, 21], states=present)
        self.scan(c, 18, [28, 26, 20], states={"NT1": "present", "NT2": "absent"})
        self.end_treatment(c, after=5, reason="Six cycles completed per protocol")
        self.follow_up(c, "FU1M", "FU3M")
        self.missed(c, "FU6M", "Patient did not attend; three phone calls unanswered")
        lost = self.offset_of(self.visit(c, "FU6M").window_closes_on) + 10
        self.exit(
            c,
            DispositionKind.LOST_TO_FOLLOW_UP,
            on=lost,
            reason="No contact since the 3-month visit despite letters to the referring GP",
        )
        return [a, b, c]

    def dose_level_2_first_cohort(self) -> list[Patient]:
        """DL2: one DLT in the first 3, so the rule expands the level to 6."""
        d = self.enrolled("FR01", "F", 52, "melanoma", c1d1=-420, lesions=[("Skin", 35)])
        self.treat(d, 1)
        alt = self.ae(
            d, "Alanine aminotransferase increased", 3, onset=10, days=14, action="drug_withdrawn"
        )
        self.causality(d, alt, "probable")
        self.decide_dlt(d, alt, True, on=d.c1d1 + 12)
        self.end_treatment(d, after=12, reason="Dose-limiting toxicity (grade 3 ALT increased)")
        self.scan(d, 6, [36])
        self.follow_up(d, "FU1M", "FU3M")
        self.exit(
            d,
            DispositionKind.WITHDRAWAL,
            on=d.c1d1 + 150,
            reason="Withdrew consent for further follow-up visits",
        )

        e = self.enrolled(
            "FR02", "F", 61, "hnscc", c1d1=-414, lesions=[("Tongue", 22), ("Neck", 18)]
        )
        self.treat(e, 6)
        chills = self.ae(e, "Chills", 1, onset=1, days=1)
        self.causality(e, chills, "probable")
        rash = self.ae(e, "Rash maculo-papular", 2, onset=24, days=10)
        self.causality(e, rash, "possible")
        self.scan(e, 6, [14, 12])  # -35 %: PR
        self.scan(e, 12, [6, 5])
        self.scan(e, 18, [0, 0])  # every target gone: CR
        self.end_treatment(e, after=6, reason="Six cycles completed per protocol")
        self.follow_up(e, "FU1M", "FU3M", "FU6M")  # FU9M left undone: overdue

        f = self.enrolled(
            "CN01", "M", 49, "melanoma", c1d1=-408, lesions=[("Liver", 40), ("Skin", 30)]
        )
        self.treat(f, 6)
        headache = self.ae(f, "Headache", 2, onset=3, days=2)
        self.causality(f, headache, "possible")
        anemia = self.ae(f, "Anemia", 3, onset=50, days=20, action="dose_delayed")
        self.causality(f, anemia, "not_related")
        self.scan(f, 6, [30, 22])  # -26 %: SD
        self.scan(f, 12, [27, 20])  # -33 %: PR
        self.scan(f, 18, [26, 19])
        self.end_treatment(f, after=4, reason="Six cycles completed per protocol")
        self.follow_up(f, "FU1M", "FU3M")
        self.missed(f, "FU6M", "Hospitalised at another centre for an unrelated hip fracture")
        self.follow_up(f, "FU9M")
        return [d, e, f]

    def dose_level_2_expansion(self) -> list[Patient]:
        """DL2 expanded to 6: no DLT in the last 3 (1 in 6), so the rule escalates to DL3."""
        g = self.enrolled("FR01", "M", 55, "sts", c1d1=-110, lesions=[("Thigh", 50)])
        fever_vitals = {"post_temperature_c": Decimal("38.4"), "post_pulse_bpm": Decimal("104")}
        self.treat(g, 6, vitals={"C2D1": fever_vitals})
        fever = self.ae(g, "Fever", 2, onset=22, days=2)
        self.causality(g, fever, "probable")
        injection = self.ae(g, "Injection site reaction", 1, onset=43, days=4)
        self.causality(g, injection, "definite")
        self.scan(g, 6, [46])
        self.scan(g, 12, [33])  # -34 %: PR

        h = self.enrolled("FR02", "F", 66, "melanoma", c1d1=-104, lesions=[("Axilla", 38)])
        self.treat(h, 6)
        myalgia = self.ae(h, "Myalgia", 1, onset=5, days=3)
        self.causality(h, myalgia, "possible")
        self.scan(h, 6, [39])
        self.scan(h, 12, [41])
        # An SAE whose 24-hour report is overdue: aware 30 hours ago, not signed yet.
        aware = self.now - timedelta(hours=30)
        onset = self.offset_of(timezone.localdate(aware)) - h.c1d1 + 1
        self.ae(
            h,
            "Hypotension",
            3,
            onset=onset,
            serious=("hospitalisation",),
            aware_at=aware,
            recorded=aware + timedelta(hours=2),
            action="dose_delayed",
        )

        i = self.enrolled("CN01", "M", 42, "hnscc", c1d1=-98, lesions=[("Neck", 30), ("Lung", 25)])
        # C3D1 given 5 days late (window +-3): the edit check raises its query.
        self.treat(i, 5, late={"C3D1": 5}, skip=("C1D15",))
        self.missed(i, "C1D15", "Transport strike; the patient phoned, no symptoms reported")
        diarrhea = self.ae(i, "Diarrhea", 2, onset=9, days=3)
        self.causality(i, diarrhea, "possible")
        # Grade 4 in cycle 4, outside the DLT window; not recorded as serious: an edit check.
        neutropenia = self.ae(i, "Neutrophil count decreased", 4, onset=66, days=8)
        self.causality(i, neutropenia, "possible")
        self.scan(i, 6, [32, 26])
        self.scan(i, 12, [31, 27])
        return [g, h, i]

    def dose_level_3(self) -> list[Patient]:
        """DL3: all three inside the DLT window, one DLT decided, a candidate pending."""
        j = self.enrolled("FR01", "F", 59, "melanoma", c1d1=-14, lesions=[("Skin", 26)])
        self.treat(j, 1)
        crs = self.ae(
            j,
            "Cytokine release syndrome",
            3,
            onset=3,
            days=4,
            serious=("hospitalisation",),
            recorded=self.at(j.c1d1 + 2, 19),
        )
        crs = self.causality(j, crs, "definite", "unexpected", on=self.at(j.c1d1 + 2, 20))
        crs = ae_services.sae_report_sign(
            ae=crs, by=j.pi, password=DEMO_PASSWORD, now=self.at(j.c1d1 + 2, 22)
        )
        self.decide_dlt(j, crs, True, on=j.c1d1 + 5)

        k = self.enrolled("FR02", "M", 47, "sts", c1d1=-10, lesions=[("Retroperitoneum", 44)])
        self.treat(k, 1)
        platelets = self.ae(k, "Platelet count decreased", 3, onset=6)
        self.causality(k, platelets, "possible", on=self.at(k.c1d1 + 7, 9))  # candidate, pending
        # An SAE inside its 24-hour clock: the site became aware 5 hours ago.
        aware = self.now - timedelta(hours=5)
        onset = self.offset_of(timezone.localdate(aware)) - k.c1d1 + 1
        self.ae(
            k,
            "Fever",
            3,
            onset=onset,
            serious=("hospitalisation",),
            aware_at=aware,
            recorded=aware + timedelta(hours=1),
        )

        # Enrolled at the last DL3 place four days ago; C1D1 is tomorrow.
        m = self.enrolled("CN01", "F", 63, "hnscc", c1d1=1, lesions=[("Larynx", 21)])
        return [j, k, m]

    def in_screening(self) -> None:
        # Registered this week, consent not yet signed.
        self.register("FR01", "M", 51, "melanoma", registered=-1)
        # Consented, the eligibility CRF not started.
        p = self.register("FR02", "F", 46, "sts", registered=-4)
        self.consent(p, -4)
        # Consented, labs not back yet: eligibility incomplete.
        p = self.register("CN01", "M", 60, "hnscc", registered=-6)
        self.consent(p, -6)
        self.assess(p, -2, labs={})
        # Eligible, awaiting the investigator's confirmation.
        p = self.register("FR01", "F", 54, "melanoma", registered=-5)
        self.consent(p, -5)
        self.assess(p, -1)
        # Confirmed eligible, waiting for the DL3 DLT window to close before a place opens.
        p = self.register("FR02", "M", 57, "hnscc", registered=-8)
        self.consent(p, -8)
        self.assess(p, -3)
        self.confirm(p, -2)
        # Consented last week; screening continues.
        p = self.register("CN01", "F", 67, "melanoma", registered=-9)
        self.consent(p, -9)
        # A registration entered twice by mistake, voided with its reason.
        p = self.register("CN01", "F", 67, "melanoma", registered=-9)
        subject_void(
            subject=p.subject,
            by=p.crc,
            reason="Registered twice in error: the same patient is being screened",
        )

    def background_and_labs(self, dl3) -> None:
        """Each site's laboratory normal ranges; a medical history and medications for a DL3
        subject (the lab results: visit_assessments)."""
        for site in Site.objects.order_by("code"):
            crc, _pi = self.staff(site.code)
            lab_ranges_record(
                site=site,
                by=crc,
                laboratory=f"{site.code} hospital laboratory",
                effective_from=self.day(-900),
                now=self.at(-900),
            )
        j, _k, _m = dl3
        hypertension = medical_history_record(
            subject=j.subject,
            by=j.crc,
            values={
                "condition": "Hypertension",
                "term": None,
                "start_date": self.day(-2000).strftime("%Y-%m"),
                "ongoing": True,
                "end_date": "",
                "baseline_grade": None,
                "baseline_grade_code": "",
                "treatment": "Amlodipine 5 mg daily",
            },
            now=self.at(j.c1d1 - 6),
        )
        medical_history_record(
            subject=j.subject,
            by=j.crc,
            values={
                "condition": "Appendicitis",
                "term": None,
                "start_date": "2001",
                "ongoing": False,
                "end_date": "2001",
                "baseline_grade": None,
                "baseline_grade_code": "",
                "treatment": "Appendectomy",
            },
            now=self.at(j.c1d1 - 6),
        )
        recorded = self.at(max(j.c1d1 + 1, -13))
        self.medication(
            j,
            "Amlodipine 5 mg once daily",
            self.day(-2000).strftime("%Y-%m"),
            recorded,
            history=hypertension,
        )
        self.medication(
            j,
            "Ondansetron 8 mg as needed",
            self.day(j.c1d1).isoformat(),
            recorded,
            indication="Nausea after the infusion",
        )

    def medication(
        self,
        patient: Patient,
        what: str,
        start: str,
        now: datetime,
        *,
        end: str = "",
        indication: str = "",
        history=None,
        ae: AdverseEvent | None = None,
    ):
        """An oral medication, `what` as "Name dose unit frequency", given for a condition of
        the history, an AE or a stated indication; ongoing unless it has an `end`."""
        name, dose, unit, frequency = what.split(" ", 3)
        return medication_record(
            subject=patient.subject,
            by=patient.crc,
            values={
                "medication": name,
                "indication": indication,
                "indication_ae": ae,
                "indication_history": history,
                "dose": Decimal(dose),
                "dose_code": "",
                "dose_unit": unit,
                "route": "oral",
                "frequency": frequency,
                "start_date": start,
                "ongoing": not end,
                "end_date": end,
                "immunosuppressive": False,
                "investigational": False,
            },
            now=now,
        )

    # --- labs, ECGs and samples at the visits ----------------------------------------------

    def lab_stories(self, dl3) -> dict[tuple[int, str], dict[str, str]]:
        """The values that tell a story, by (subject, visit code); every other value of the
        panels is normal (demo.visit_values). Each abnormal one matches an AE of its CTCAE term
        ongoing that day, but for J's neutropenia: the one automatic lab query."""
        j, k, _m = dl3
        return {
            (j.subject.pk, "C1D1"): {"ALT": "28", "NEUT": "4.1"},
            # Neutropenia grade 2 (below 1.5 x 10^9/L) with no AE: the check's query. ALT
            # 2.4 x ULN and the white cells below LLN are grade 1: no query.
            (j.subject.pk, "C1D8"): {"ALT": "96", "NEUT": "1.2", "WBC": "3.4"},
            (k.subject.pk, "C1D1"): {"PLAT": "210"},
            # Grade 3 platelets, recorded as its AE: no query.
            (k.subject.pk, "C1D8"): {"PLAT": "42"},
        }

    def visit_assessments(self, patients, stories) -> None:
        """At every performed visit of the enrolled subjects: the lab panels, the vital signs
        and the triplicate ECGs the schedule of assessments expects there (ECGs at screening,
        C1D1 before and after the dose, end of treatment), and the samples of the study's
        [samples] schedule."""
        assessments = self.study.schedule_of_assessments()
        for patient in patients:
            visits = patient.subject.visits.filter(completed_on__isnull=False, missed_reason="")
            for visit in visits.order_by("order"):
                expected = expected_at(
                    assessments,
                    code=visit.code,
                    kind=visit.kind,
                    not_applicable=visit.not_applicable,
                )
                for form in expected:
                    if form.form == "labs.labresult":
                        story = stories.get((patient.subject.pk, visit.code), {})
                        self.lab_panel(patient, visit, form.panel, story)
                    elif form.form == "vitals.vitalsigns":
                        self.visit_vital_signs(patient, visit)
                ecgs = [f.panel for f in expected if f.form == "ecg.electrocardiogram"]
                self.visit_ecgs(patient, visit, ecgs)
                if visit.kind == VisitKind.DOSING:
                    self.visit_samples(patient, visit)

    def entered_at(self, patient: Patient, visit: Visit, hour: int) -> datetime:
        """When the site enters a visit's data: that day, or for the screening visit (whose
        row the enrollment creates) the enrollment day, after it."""
        if visit.kind == VisitKind.SCREENING:
            return self.at(patient.c1d1 - 5, 17)
        return self.at(self.offset_of(visit.completed_on), hour)

    def lab_panel(self, patient: Patient, visit: Visit, panel: str, story: dict) -> None:
        """Every test of `panel`, drawn at 08:30 before any dose, in the site range's unit."""
        number = patient.subject.subject_number
        values = {}
        for test in (t for t, p in PANEL_OF_TEST.items() if p == panel):
            row = normal_range(DEMO_RANGES, test, patient.subject.sex)
            if test in story:
                value = Decimal(story[test])
            elif visit.kind == VisitKind.SCREENING and test in SCREENING_LABS:
                value = Decimal(LABS[SCREENING_LABS[test]]["value"])
            elif test == "WBC":
                continue  # after the neutrophils
            else:
                value = lab_value(row, subject=number, visit=visit.code)
            values[test] = (value, row.unit)
        if panel == "haematology" and "WBC" not in values:
            neutrophils = values["NEUT"][0]
            values["WBC"] = (leukocytes(neutrophils, subject=number, visit=visit.code), "10^9/L")
        for test, (value, unit) in values.items():
            lab_result_record(
                visit=visit,
                by=patient.crc,
                values={
                    "test": test,
                    "collected_on": visit.completed_on,
                    "collected_time": time(8, 30),
                    "value": value,
                    "unit": unit,
                },
                now=self.entered_at(patient, visit, 15),
            )

    # The urinalysis is not on the schedule of assessments: J's and K's were asked for by the
    # investigator. J's dipstick turns 1+ on C1D8 and the 24-hour urine confirms it (0.32 g,
    # above the ULN 0.15): Proteinuria grade 1, so no query; K's stays negative.
    URINALYSES = (
        (0, "SCR", {"test": "PROT", "category": "Negative"}),
        (0, "C1D1", {"test": "PROT", "category": "Trace"}),
        (0, "C1D8", {"test": "PROT", "category": "1+"}),
        (0, "C1D8", {"test": "PROTEXR", "value": Decimal("0.32"), "unit": "g/24 h"}),
        (1, "C1D8", {"test": "PROT", "category": "Negative"}),
        (1, "C1D8", {"test": "GLUC", "category": "Negative"}),
    )

    def urinalysis(self, dl3) -> None:
        """A few urine dipsticks and a 24-hour urine protein, through the lab service."""
        for index, code, entered in self.URINALYSES:
            patient = dl3[index]
            visit = patient.subject.visits.get(code=code)
            lab_result_record(
                visit=visit,
                by=patient.crc,
                values={
                    "collected_on": visit.completed_on,
                    "collected_time": time(8, 30),
                    "value": None,
                    "unit": "",
                    "category": "",
                    **entered,
                },
                now=self.entered_at(patient, visit, 15),
            )

    def visit_vital_signs(self, patient: Patient, visit: Visit) -> None:
        """A normal set at a visit without a dose, taken at 08:45 on the day it was done."""
        vitals_record(
            visit=visit,
            by=patient.crc,
            values={
                "measured_on": visit.completed_on,
                "measured_time": time(8, 45),
                **vital_signs(subject=patient.subject.subject_number, visit=visit.code),
            },
            now=self.entered_at(patient, visit, 16),
        )

    # When each ECG the schedule expects is taken: before the 09:30 dose, after it, or late
    # in the morning at a visit without a dose.
    ECG_TIMES = {"visit": time(11, 0), "pre_dose": time(9, 5), "post_dose": time(10, 45)}

    def visit_ecgs(self, patient: Patient, visit: Visit, time_points: list[str]) -> None:
        """The triplicate ECGs of the time points the schedule expects at the visit."""
        for time_point in time_points:
            at = self.ECG_TIMES[time_point]
            ecg_record(
                visit=visit,
                by=patient.crc,
                values={
                    "time_point": time_point,
                    "performed_on": visit.completed_on,
                    "performed_time": at,
                    **ecg_readings(
                        subject=patient.subject.subject_number,
                        visit=visit.code,
                        time_point=time_point,
                    ),
                    "interpretation": "normal",
                    "abnormality": "",
                },
                now=self.entered_at(patient, visit, 16),
            )

    def visit_samples(self, patient: Patient, visit: Visit) -> None:
        """The samples [samples] plans at the visit, each a few minutes after its nominal time
        (but `self.sample_late`'s), processed 30 minutes and frozen an hour after collection,
        shipped to the bioanalytical laboratory in the batch three weeks later (if that day
        is past: the DL3 subjects' samples are still in the freezer)."""
        scheduled = scheduled_at(visit)
        if not scheduled:
            return
        dose = self.dose_of(patient, visit.code)
        zone = timezone.get_current_timezone()
        start = datetime.combine(dose.administered_on, dose.start_time, tzinfo=zone)
        end = datetime.combine(dose.administered_on, dose.stop_time, tzinfo=zone)
        number = patient.subject.subject_number
        for index, planned in enumerate(scheduled):
            late = self.sample_late.get(
                (patient.subject.pk, visit.code, planned.type_code, planned.time_code),
                1 + index % 3,
            )
            collected = sample_moment(
                anchor=planned.anchor,
                offset_minutes=planned.offset_minutes,
                dose_start=start,
                dose_end=end,
                late_minutes=late,
            )
            if collected + timedelta(hours=1) > self.now:
                continue
            sample = sample_record(
                visit=visit,
                by=patient.crc,
                values={
                    "sample_type": planned.type_code,
                    "nominal_time": planned.time_code,
                    "sample_id": f"{number}-{visit.code}-{planned.type_code}-{planned.time_code}",
                    "collected_on": timezone.localdate(collected),
                    "collected_time": timezone.localtime(collected).time(),
                },
                now=collected + timedelta(minutes=5),
            )
            shipped = datetime.combine(
                timezone.localdate(collected) + timedelta(days=21), time(10), tzinfo=zone
            )
            stages = [
                ("processed", collected + timedelta(minutes=30), ""),
                ("stored", collected + timedelta(minutes=60), ""),
                ("shipped", shipped, f"WB-{patient.subject.site.code}-{shipped:%Y%m%d}"),
            ]
            for stage, at, reference in stages:
                if at > self.now:
                    break
                sample = sample_stage_record(
                    record=sample,
                    by=patient.crc,
                    stage=stage,
                    at=at,
                    reference=reference,
                    expected_version=sample.version,
                    now=at + timedelta(minutes=1) if at < self.now else self.now,
                )

    def review_and_lock(self, dl1, dl2, expansion, dl3) -> None:
        """Signatures, source-data verification, queries in every state and locks."""
        a, b, c = dl1
        d, e, f = dl2
        g, h, i = expansion
        # D (withdrawn): the dose, AEs, tumour assessments, ECGs and vital signs signed and
        # verified, then the whole subject locked (its lab results and samples, not signed one
        # by one, too).
        for record in (
            self.dose_of(d, "C1D1"),
            *AdverseEvent.objects.filter(subject=d.subject),
            *d.subject.tumour_assessments.filter(voided_at__isnull=True),
            *d.subject.ecgs.filter(voided_at__isnull=True),
            *d.subject.vital_signs.filter(voided_at__isnull=True),
        ):
            self.sign(d, record, on=d.c1d1 + 160)
            self.verify(record, on=d.c1d1 + 170)
        review.subject_lock(subject=d.subject, by=self.users["datamanager"], now=self.at(-200))
        # B: the first dose signed, verified and locked on its own.
        b_c1d1 = self.dose_of(b, "C1D1")
        self.sign(b, b_c1d1, on=b.c1d1 + 30)
        self.verify(b_c1d1, on=b.c1d1 + 60)
        review.record_lock(record=b_c1d1, by=self.users["datamanager"], now=self.at(b.c1d1 + 61))
        # A: two doses signed, one field verified.
        for code in ("C1D1", "C2D1"):
            self.sign(a, self.dose_of(a, code), on=a.c1d1 + 50)
        self.verify(self.dose_of(a, "C1D1"), on=a.c1d1 + 70, field_name="lot_number")
        # Queries: closed, answered, open (and an open one old enough for its reminder).
        lot = self.query(
            self.dose_of(a, "C2D1"),
            "Lot number differs from the pharmacy log: please check.",
            on=a.c1d1 + 60,
            field_name="lot_number",
        )
        self.answer(
            a, lot, "Transcription error corrected on the source: log is right.", on=a.c1d1 + 62
        )
        self.close(lot, "Confirmed against the pharmacy log.", on=a.c1d1 + 64)
        grade = self.query(
            AdverseEvent.objects.get(subject=e.subject, sequence=2),
            "Grade 2 rash: please confirm the body surface area from the source.",
            on=-20,
            field_name="grade",
        )
        self.answer(e, grade, "About 15 % BSA per the dermatology note: grade 2.", on=-18)
        self.query(
            self.dose_of(f, "C4D1"),
            "Stop time missing on the source worksheet: please document.",
            on=-12,
            field_name="stop_time",
        )
        self.query(
            self.dose_of(g, "C3D1"),
            "Injected lesion not named on the source: please confirm T1.",
            on=-3,
            field_name="injected_lesions",
            by="datamanager",
        )
        # The automatic query of I's late C3D1: answered by the site.
        late = Query.objects.get(subject=i.subject, check_code="dose_out_of_window")
        self.answer(i, late, "Dose delayed 5 days: the patient had a cold; PI agreed.", on=-45)

    def reminders_and_notifications(self) -> None:
        """The reminder scan as beat runs it, each reminder sent; older notifications read."""
        result = reminders.scan(self.now)
        # The demo's addresses are @example.org: its reminders are not mailed anywhere.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            for reminder_id in result.created:
                reminders.reminder_send(reminder_id=reminder_id, now=self.now)
        for user in self.users.values():
            ids = list(
                Notification.objects.filter(user=user).order_by("id").values_list("id", flat=True)
            )
            read = ids[: len(ids) // 2]
            if read:
                reminders.notifications_mark_read(user=user, ids=read, now=self.now)

    def export(self) -> None:
        run = exports.export_request(
            by=self.users["datamanager"],
            format=ExportFormat.CSV,
            channel=ExportChannel.COMMAND,
            now=self.now,
        )
        exports.export_run(run_id=run.pk)


class LightArgon2(Argon2PasswordHasher):
    """Argon2 with light parameters, preferred only while the demo is seeded (see seed)."""

    time_cost = 1
    memory_cost = 4096
    parallelism = 1


@contextmanager
def _light_password_hashing():
    """Hash and check the published demo password with light Argon2 parameters meanwhile.

    Each of the demo's twenty-odd e-signatures re-enters the password, 0.5 s or more each with
    the product's parameters. Argon2 verifies with the parameters stored in the hash, and
    Django re-hashes a password whose parameters differ from the preferred hasher's the first
    time it is checked: after the seed, each demo account's first sign-in stores a full-strength
    hash. Only when Argon2 is the preferred hasher (not the tests' fast one).
    """
    if get_hasher().algorithm != Argon2PasswordHasher.algorithm:
        yield
        return
    light = f"{LightArgon2.__module__}.{LightArgon2.__qualname__}"
    with override_settings(PASSWORD_HASHERS=[light, *settings.PASSWORD_HASHERS]):
        yield


def seed(*, study: Study, now: datetime | None = None, out=None) -> dict[str, int]:
    """Build the demo trial as of `now`; the caller holds the transaction."""
    with _light_password_hashing():
        return DemoSeeder(study=study, now=now or timezone.now(), out=out).run()
