"""The large seed for benchmarks: 10 sites, 2,000 enrolled subjects (and 200 screen
failures), ~20,000 adverse events, and the visits of the configured schedule: 16 per enrolled
subject (screening, 6 cycles, 3 safety visits, EOT, 5 follow-ups), so 32,000 rather than the
~40,000 the brief guessed. Scale down with --subjects, --sites, --aes-per-subject.

Deliberately NOT through the services: creating 2,000 subjects one service call at a time
takes tens of minutes (password checks, row locks, per-row audit contexts, the 3+3 rule
that would refuse a fifth subject at a level). Rows are built in memory and bulk-created in
batches, but every value is computed by the same pure rules the services use, so the data
is consistent:

- schedule: trial.schedule.plan_visits / reanchor_on_last_dose (windows, EOT, follow-up);
- eligibility: screening.eligibility.assess_eligibility (stored verdict and findings);
- adverse events: adverse_events.rules (period, SAE and SUSAR deadlines, DLT candidacy),
  each AE checked with check_consistency before it is saved;
- tumour assessments: tumours.recist (sums, nadir, responses);
- medical history, prior cancer therapy and medications: two systemic lines ending with
  progression on the eligibility CRF's last chemotherapy date (refractory to second line), a
  radiotherapy course or a surgery where the eligibility answers say so, before consent, and
  partial dates where a history is remembered rather than documented.

What it does not honour: the 3+3 escalation (subjects are spread evenly over the dose
levels) and the sequence of events in time (everything is inserted now). The database
triggers still write an audit event per row, with the reason "Large benchmark seed".

It refuses to run twice (the user `seed_large` marks a seeded database) unless --force,
which adds another batch of subjects.
"""

import random
from contextlib import contextmanager
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.management.base import BaseCommand, CommandError
from django.db.models import F, Max, Min, OuterRef, Subquery
from django.utils import timezone

from adverse_events import rules
from adverse_events.ctcae import import_terms, read_starter_csv
from adverse_events.models import AdverseEvent, CtcaeTerm
from dispositions.models import Disposition
from dosing.models import DosingRecord
from history.models import MedicalHistory, PriorRadiotherapy, PriorSurgery, SystemicTherapyLine
from medications.models import ConcomitantMedication
from review import signing
from review.models import Query, QueryMessage, Signature
from review.services import task_counts_moved
from screening import eligibility
from screening.models import Consent, EligibilityAssessment
from screening.services import thresholds_for
from trial import schedule
from trial.audit import audit_context
from trial.bulk_load import bulk_load
from trial.models import Membership, Role, Site, Study, Subject, User, Visit
from trial.study import current_study_or_none
from trial.study_config import definitions_of, load_study, read_config
from tumours import recist
from tumours.models import (
    LesionMeasurement,
    NonTargetLesionDefinition,
    NonTargetObservation,
    TargetLesionDefinition,
    TumourAssessment,
)

MARKER_USERNAME = "seed_large"
BATCH = 100
EXTRA_SITES = [
    ("DE01", "Universitätsklinikum Heidelberg (bench)", "DE"),
    ("IT01", "Istituto Nazionale Tumori Milano (bench)", "IT"),
    ("ES01", "Hospital Vall d'Hebron Barcelona (bench)", "ES"),
    ("GB01", "Royal Marsden London (bench)", "GB"),
    ("BE01", "Institut Jules Bordet Brussels (bench)", "BE"),
    ("NL01", "Netherlands Cancer Institute (bench)", "NL"),
    ("US01", "MD Anderson Houston (bench)", "US"),
    ("JP01", "National Cancer Center Tokyo (bench)", "JP"),
    ("CN02", "Cancer Hospital Beijing (bench)", "CN"),
    ("CH01", "Universitätsspital Zürich (bench)", "CH"),
]
LABS = {
    "anc": {"value": "2.1", "uln": None},
    "platelets": {"value": "180", "uln": None},
    "haemoglobin": {"value": "125", "uln": None},
    "bilirubin": {"value": "12", "uln": "21"},
    "alt": {"value": "25", "uln": "40"},
    "ast": {"value": "28", "uln": "40"},
    "creatinine": {"value": "75", "uln": "110"},
}
ELIGIBLE_ANSWERS = {
    "histology_confirmed": True,
    "refractory_to_second_line": True,
    "no_standard_treatment": True,
    "ecog": 1,
    "expected_survival_months": 6,
    "had_chemotherapy": True,
    "had_radiotherapy": False,
    "had_surgery": False,
    "had_nitrosourea_or_mitomycin": False,
    "had_other_trial_drug": False,
    "tumour_near_major_vessels_or_trachea": False,
    "nyha_class": 1,
    "unstable_angina": False,
    "had_myocardial_infarction": False,
    "arrhythmia_requiring_treatment": False,
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
# Cycled through (not drawn) so that the random stream, hence the rest of the seed, is the
# same as before these were collected.
RACES = ["not_reported", "white", "asian", "black_or_african_american", "multiple", "unknown"]
ETHNICITIES = ["not_reported", "not_hispanic_or_latino", "hispanic_or_latino", "unknown"]
ORGANS = ["Liver", "Lung", "Skin", "Soft tissue", "Lymph nodes", "Adrenal gland"]
# Two lines of prior systemic therapy by tumour type (regimen, agents, best response).
PRIOR_LINES = {
    "sts": (
        ("Doxorubicin", "doxorubicin", "PR"),
        ("Gemcitabine + docetaxel", "gemcitabine, docetaxel", "PD"),
    ),
    "hnscc": (
        ("Cisplatin + 5-FU", "cisplatin, fluorouracil", "SD"),
        ("Docetaxel", "docetaxel", "PD"),
    ),
    "melanoma": (
        ("Nivolumab", "nivolumab", "PR"),
        ("Ipilimumab + nivolumab", "ipilimumab, nivolumab", "PD"),
    ),
}
SURGERIES = {
    "sts": "Wide local excision",
    "hnscc": "Neck dissection",
    "melanoma": "Wide local excision of the primary",
}


def _aware(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=timezone.get_current_timezone())


@contextmanager
def _stamps_as_given(model, *names: str):
    """bulk_create keeps the given values of these auto_now / auto_now_add fields instead of
    stamping the seed's own time: an eligibility saved after its confirmation would read as
    edited since signed."""
    fields = [model._meta.get_field(name) for name in names]
    kept = [(f.auto_now, f.auto_now_add) for f in fields]
    for f in fields:
        f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, (auto_now, auto_now_add) in zip(fields, kept, strict=True):
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


class Command(BaseCommand):
    help = "Create the large benchmark dataset (bulk, consistent, bypassing the services)."

    def add_arguments(self, parser):
        parser.add_argument("--subjects", type=int, default=2000, help="Enrolled subjects")
        parser.add_argument("--sites", type=int, default=10)
        parser.add_argument("--aes-per-subject", type=int, default=10)
        parser.add_argument(
            "--screen-failures", type=int, default=None, help="Default: a tenth of --subjects"
        )
        parser.add_argument("--seed", type=int, default=22, help="Random seed (repeatable)")
        parser.add_argument("--force", action="store_true", help="Seed again (adds subjects)")

    def handle(self, *args, **options):
        if options["subjects"] < 1 or options["sites"] < 1:
            raise CommandError("--subjects and --sites must be at least 1")
        if User.objects.filter(username=MARKER_USERNAME).exists() and not options["force"]:
            raise CommandError(
                "This database is already seeded (user 'seed_large' exists); "
                "use --force to add another batch."
            )
        started = timezone.now()
        with bulk_load() as analyzed:
            marker, created = User.objects.get_or_create(
                username=MARKER_USERNAME,
                defaults={"first_name": "Benchmark", "last_name": "Seed"},
            )
            if created:  # seeded accounts never sign in
                marker.set_unusable_password()
                marker.save(update_fields=["password"])
            seeder = _Seeder(options, marker, self.stdout)
            # Reference data first: pghistory merges nested contexts into one, so the study
            # and dictionary loads keep their own reasons only outside the seed's context.
            seeder.prepare()
            with audit_context(by=marker, reason="Large benchmark seed (seed_large)"):
                counts = seeder.run()
            # Bulk rows bypass the services: the sites' cached task counts are recounted.
            for site_id in Site.objects.values_list("pk", flat=True):
                task_counts_moved(site_id=site_id)
        elapsed = (timezone.now() - started).total_seconds()
        summary = ", ".join(f"{name} {n}" for name, n in counts.items())
        self.stdout.write(f"Seeded in {elapsed:.1f} s: {summary}")
        self.stdout.write(str(analyzed))


class _Seeder:
    def __init__(self, options, marker: User, out):
        self.rng = random.Random(options["seed"] + User.objects.count())
        self.options = options
        self.marker = marker
        self.out = out
        self.today = timezone.localdate()
        self.counts = dict.fromkeys(
            (
                "subjects",
                "visits",
                "doses",
                "adverse_events",
                "tumour_assessments",
                "queries",
                "medical_history",
                "prior_therapy",
                "medications",
            ),
            0,
        )

    # --- reference data ---------------------------------------------------------------------

    def _study(self) -> Study:
        study = current_study_or_none()
        if study is None:
            study, _ = load_study(read_config(settings.STUDY_CONFIG_FILE), by=self.marker)
        if not CtcaeTerm.objects.exists():
            import_terms(read_starter_csv(), by=self.marker, reason="CTCAE starter list (seed)")
        return study

    def _sites(self, study: Study) -> list[Site]:
        wanted = self.options["sites"]
        sites = list(Site.objects.order_by("code"))
        for code, name, country in EXTRA_SITES:
            if len(sites) >= wanted:
                break
            if not any(s.code == code for s in sites):
                site = Site.objects.create(code=code, name=name, country=country)
                study.sites.add(site)
                sites.append(site)
        if len(sites) < wanted:
            raise CommandError(f"At most {len(sites)} sites can be seeded")
        return sites[:wanted]

    def _staff(self, sites: list[Site]) -> dict[int, tuple[User, User]]:
        staff = {}
        for site in sites:
            pair = []
            for prefix, role in (("crc", Role.COORDINATOR), ("pi", Role.INVESTIGATOR)):
                user, created = User.objects.get_or_create(username=f"seed_{prefix}_{site.code}")
                if created:
                    user.set_unusable_password()
                    user.save(update_fields=["password"])
                Membership.objects.get_or_create(user=user, site=site, role=role)
                pair.append(user)
            staff[site.pk] = tuple(pair)
        Membership.objects.get_or_create(user=self.marker, site=None, role=Role.DATA_MANAGER)
        return staff

    # --- the run ----------------------------------------------------------------------------

    def prepare(self) -> None:
        self.study = self._study()

    def run(self) -> dict:
        study = self.study
        self.definitions = definitions_of(study)
        self.thresholds = thresholds_for(study)
        self.levels = list(study.dose_levels.order_by("order"))
        self.te_window = int(study.thresholds.get(key="treatment_emergent_window_days").value)
        self.terms = [
            t
            for t in CtcaeTerm.objects.filter(is_other_specify=False)
            if any(g < 5 for g in t.available_grades)
        ]
        self.fatal_terms = [t for t in self.terms if t.grade_5]
        self.content_types = {
            model: ContentType.objects.get_for_model(model)
            for model in (EligibilityAssessment, AdverseEvent)
        }
        sites = self._sites(study)
        staff = self._staff(sites)
        enrolled = self.options["subjects"]
        failures = self.options["screen_failures"]
        if failures is None:
            failures = max(1, enrolled // 10)
        plan = [True] * enrolled + [False] * failures
        self.rng.shuffle(plan)
        for start in range(0, len(plan), BATCH):
            self._batch(
                [
                    (sites[(start + i) % len(sites)], enroll)
                    for i, enroll in enumerate(plan[start : start + BATCH])
                ],
                staff,
            )
            self.out.write(f"  {min(start + BATCH, len(plan))}/{len(plan)} subjects")
        return self.counts

    def _numbers(self, site: Site, enroll: bool) -> tuple[str, str | None]:
        # Bulk creation bypasses the row-locked counters of the services: advance them here.
        seqs = self._seqs.setdefault(site.pk, [None, None])
        if seqs[0] is None:
            fresh = Site.objects.get(pk=site.pk)
            seqs[0], seqs[1] = fresh.next_screening_seq, fresh.next_subject_seq
        screening = f"{site.code}-S{seqs[0]:03d}"
        seqs[0] += 1
        number = None
        if enroll:
            number = f"{site.code}-{seqs[1]:03d}"
            seqs[1] += 1
        return screening, number

    def _batch(self, entries, staff):
        rng = self.rng
        self._seqs = {}
        subjects, stories = [], []
        for site, enroll in entries:
            crc, pi = staff[site.pk]
            story = self._story(enroll)
            screening, number = self._numbers(site, enroll)
            level = self.levels[self.counts["subjects"] % len(self.levels)] if enroll else None
            self.counts["subjects"] += 1
            subjects.append(
                Subject(
                    study=self.study,
                    site=site,
                    screening_number=screening,
                    subject_number=number,
                    status=story["status"],
                    sex=story["sex"],
                    date_of_birth=story["birth"],
                    race=story["race"],
                    ethnicity=story["ethnicity"],
                    tumour_type=rng.choice(["sts", "hnscc", "melanoma"]),
                    dose_level=level,
                    planned_c1d1=story.get("c1d1"),
                    enrolled_at=_aware(story["assessed"], 16) if enroll else None,
                    enrolled_by=crc if enroll else None,
                    created_by=crc,
                )
            )
            stories.append((story, crc, pi, level))
        for pk, seqs in self._seqs.items():
            Site.objects.filter(pk=pk).update(next_screening_seq=seqs[0], next_subject_seq=seqs[1])
        Subject.objects.bulk_create(subjects)

        consents, assessments, visits, dispositions = [], [], [], []
        for subject, (story, crc, pi, _level) in zip(subjects, stories, strict=True):
            consents.append(
                Consent(
                    subject=subject,
                    icf_version="2.0",
                    signed_at=_aware(story["consented"], 10),
                    recorded_by=crc,
                )
            )
            assessments.append(self._assessment(subject, story, crc, pi))
            visits.extend(self._visits(subject, story))
            dispositions.extend(
                Disposition(
                    subject=subject, kind=kind, event_date=on, reason=reason, recorded_by=crc
                )
                for kind, on, reason in story["dispositions"]
            )
        Consent.objects.bulk_create(consents)
        with _stamps_as_given(EligibilityAssessment, "recorded_at", "saved_at"):
            EligibilityAssessment.objects.bulk_create(assessments)
        Visit.objects.bulk_create(visits, batch_size=2000)
        Disposition.objects.bulk_create(dispositions)
        self.counts["visits"] += len(visits)
        self._background(subjects, stories, assessments)

        by_subject = {}
        for visit in visits:
            by_subject.setdefault(visit.subject_id, []).append(visit)
        doses, events, signatures = [], [], []
        for subject, (story, crc, pi, level), assessment in zip(
            subjects, stories, assessments, strict=True
        ):
            if level is None:
                continue
            doses.extend(self._doses(subject, story, by_subject[subject.pk], level, crc))
            events.extend(self._adverse_events(subject, story, crc, pi))
            signatures.append(
                Signature(
                    subject=subject,
                    content_type=self.content_types[EligibilityAssessment],
                    object_id=assessment.pk,
                    signer=pi,
                    printed_name=pi.username,
                    meaning="eligibility_confirmed",
                    signed_at=assessment.confirmed_at,
                )
            )
        DosingRecord.objects.bulk_create(doses, batch_size=2000)
        # As dosing.services.keep_dose_dates does for each dose written through the service.
        given = DosingRecord.objects.filter(
            subject=OuterRef("pk"), administered_on__isnull=False
        ).values("subject")
        Subject.objects.filter(pk__in=[s.pk for s in subjects]).update(
            first_dose_on=Subquery(given.annotate(on=Min("administered_on")).values("on")),
            last_dose_on=Subquery(given.annotate(on=Max("administered_on")).values("on")),
        )
        AdverseEvent.objects.bulk_create(events, batch_size=2000)
        # Each signature binds the assessment as stored, as review.services.sign does: a
        # placeholder hash would show every seeded eligibility as edited since signed.
        stored = EligibilityAssessment.objects.select_related("subject").in_bulk(
            [s.object_id for s in signatures]
        )
        for signature in signatures:
            signature.content_hash = signing.record_hash(stored[signature.object_id])
        Signature.objects.bulk_create(signatures)
        self.counts["doses"] += len(doses)
        self.counts["adverse_events"] += len(events)
        self._tumour_assessments(subjects, stories)
        self._queries(events, stories, subjects)

    def _background(self, subjects, stories, assessments):
        """Each subject's history, prior cancer therapy and medications, agreeing with its
        eligibility answers (bulk, as the rest; the services' checks would find nothing)."""
        conditions, lines, courses, surgeries = [], [], [], []
        for subject, (story, crc, _pi, _level), assessment in zip(
            subjects, stories, assessments, strict=True
        ):
            n = subject.pk
            consented = story["consented"]
            conditions.append(
                MedicalHistory(
                    subject=subject,
                    sequence=1,
                    condition="Hypertension",
                    start_date=f"{consented.year - 3 - n % 5}-{1 + n % 12:02d}",
                    ongoing=True,
                    treatment="Amlodipine 5 mg daily",
                    recorded_by=crc,
                )
            )
            if n % 3 == 0:
                conditions.append(
                    MedicalHistory(
                        subject=subject,
                        sequence=2,
                        condition="Appendicitis",
                        start_date=str(consented.year - 20 - n % 10),
                        ongoing=False,
                        end_date=str(consented.year - 20 - n % 10),
                        treatment="Appendectomy",
                        recorded_by=crc,
                    )
                )
            last_chemo = assessment.last_chemotherapy_date
            first, second = PRIOR_LINES[subject.tumour_type]
            for number, (regimen, agents, response), start, end in (
                (
                    1,
                    first,
                    last_chemo - timedelta(days=540),
                    f"{last_chemo - timedelta(days=300):%Y-%m}",
                ),
                (2, second, last_chemo - timedelta(days=240), last_chemo.isoformat()),
            ):
                lines.append(
                    SystemicTherapyLine(
                        subject=subject,
                        sequence=number,
                        line_number=number,
                        regimen=regimen,
                        agents=agents,
                        start_date=f"{start:%Y-%m}" if number == 1 else start.isoformat(),
                        end_date=end,
                        best_response=response,
                        reason_stopped="progression",
                        recorded_by=crc,
                    )
                )
            if story["radiotherapy"]:
                end = assessment.last_radiotherapy_date
                courses.append(
                    PriorRadiotherapy(
                        subject=subject,
                        sequence=1,
                        site="Pelvis" if n % 2 else "Thorax",
                        total_dose_gy=Decimal("30"),
                        start_date=(end - timedelta(days=13)).isoformat(),
                        end_date=end.isoformat(),
                        recorded_by=crc,
                    )
                )
            if story["surgery"]:
                surgeries.append(
                    PriorSurgery(
                        subject=subject,
                        sequence=1,
                        procedure=SURGERIES[subject.tumour_type],
                        surgery_date=assessment.last_surgery_date.isoformat(),
                        recorded_by=crc,
                    )
                )
        MedicalHistory.objects.bulk_create(conditions, batch_size=2000)
        SystemicTherapyLine.objects.bulk_create(lines, batch_size=2000)
        PriorRadiotherapy.objects.bulk_create(courses)
        PriorSurgery.objects.bulk_create(surgeries)
        hypertension = {c.subject_id: c for c in conditions if c.sequence == 1}
        medications = []
        for subject, (story, crc, _pi, _level) in zip(subjects, stories, strict=True):
            history = hypertension[subject.pk]
            entries = [("Amlodipine", "5", "once daily", history.start_date, "", history)]
            if story["enrolled"] and subject.pk % 2 == 0:
                entries.append(
                    ("Ondansetron", "8", "as needed", story["c1d1"].isoformat(), "Nausea", None)
                )
            for sequence, (name, dose, frequency, start, indication, condition) in enumerate(
                entries, start=1
            ):
                medications.append(
                    ConcomitantMedication(
                        subject=subject,
                        sequence=sequence,
                        medication=name,
                        indication=indication,
                        indication_history=condition,
                        dose=Decimal(dose),
                        dose_unit="mg",
                        route="oral",
                        frequency=frequency,
                        start_date=start,
                        ongoing=True,
                        recorded_by=crc,
                    )
                )
        ConcomitantMedication.objects.bulk_create(medications, batch_size=2000)
        self.counts["medical_history"] += len(conditions)
        self.counts["prior_therapy"] += len(lines) + len(courses) + len(surgeries)
        self.counts["medications"] += len(medications)

    # --- one subject's story ---------------------------------------------------------------------

    def _story(self, enroll: bool) -> dict:
        """Dates and outcome of one subject, decided up front so that every row agrees."""
        rng = self.rng
        c1d1 = self.today - timedelta(days=rng.randint(2, 640))
        consented = c1d1 - timedelta(days=rng.randint(6, 27))
        assessed = consented + timedelta(days=rng.randint(1, 4))
        age = rng.randint(25, 69)
        birth = assessed.replace(year=assessed.year - age) - timedelta(days=rng.randint(1, 300))
        story = {
            "sex": rng.choice("FM"),
            "race": RACES[self.counts["subjects"] % len(RACES)],
            "ethnicity": ETHNICITIES[self.counts["subjects"] % len(ETHNICITIES)],
            "birth": birth,
            "consented": consented,
            "assessed": assessed,
            "dispositions": [],
            "enrolled": enroll,
            # Cycled, not drawn: the random stream stays as it was.
            "radiotherapy": self.counts["subjects"] % 3 == 0,
            "surgery": self.counts["subjects"] % 4 == 1,
        }
        if not enroll:
            story["status"] = "screen_failed"
            story["ecog"] = 3
            return story
        story["c1d1"] = c1d1
        cycle = self.study.cycle_length_days
        elapsed = (self.today - c1d1).days
        cycles_due = min(self.study.max_cycles, elapsed // cycle + 1)
        exit_kind = rng.choices(
            [None, "withdrawal", "death", "lost_to_follow_up"], weights=[85, 8, 4, 3]
        )[0]
        cycles = cycles_due
        exit_on = None
        if exit_kind and cycles_due > 1:
            cycles = rng.randint(1, cycles_due)
            last = c1d1 + timedelta(days=(cycles - 1) * cycle)
            exit_on = max(last, min(self.today, last + timedelta(days=rng.randint(3, 40))))
        elif exit_kind:
            exit_kind = None
        last_dose = c1d1 + timedelta(days=(cycles - 1) * cycle)
        story.update(cycles=cycles, last_dose=last_dose, exit_kind=exit_kind, exit_on=exit_on)
        status = "on_treatment"
        end_of_treatment = last_dose + timedelta(days=rng.randint(14, 28))
        treatment_over = cycles == self.study.max_cycles or exit_kind is not None
        if exit_kind and exit_on < end_of_treatment:
            # The exit closes the treatment epoch: no end of treatment after it (and no
            # completion of the study), as the disposition rules require.
            end_of_treatment = None
        if (
            cycles == self.study.max_cycles
            and end_of_treatment is not None
            and end_of_treatment < self.today
        ):
            story["dispositions"].append(
                ("end_of_treatment", end_of_treatment, "All planned cycles given")
            )
            story["eot"] = end_of_treatment
            status = "follow_up"
            study_end = schedule.add_months(last_dose, 12)
            if study_end < self.today and not exit_kind:
                story["dispositions"].append(("end_of_study", study_end, "Follow-up completed"))
                status = "completed"
        if exit_kind:
            reasons = {
                "withdrawal": "Consent withdrawn",
                "death": "Death from disease progression",
                "lost_to_follow_up": "No contact after three attempts",
            }
            story["dispositions"].append((exit_kind, exit_on, reasons[exit_kind]))
            status = {
                "withdrawal": "withdrawn",
                "death": "died",
                "lost_to_follow_up": "lost_to_follow_up",
            }[exit_kind]
        story["status"] = status
        story["treatment_over"] = treatment_over
        story["stopped_on"] = exit_on or (story.get("eot")) or self.today
        return story

    def _assessment(self, subject, story, crc, pi) -> EligibilityAssessment:
        answers = dict(ELIGIBLE_ANSWERS)
        answers["ecog"] = story.get("ecog", 1)
        answers["last_chemotherapy_date"] = story["assessed"] - timedelta(days=60)
        if story["radiotherapy"]:
            answers["had_radiotherapy"] = True
            answers["last_radiotherapy_date"] = story["assessed"] - timedelta(days=200)
        if story["surgery"]:
            answers["had_surgery"] = True
            answers["last_surgery_date"] = story["assessed"] - timedelta(days=400)
        if subject.sex == "F":  # exclusion 4 is asked of women only
            answers |= {"pregnant": False, "lactating": False, "childbearing_potential": False}
        facts = eligibility.EligibilityFacts(
            assessment_date=story["assessed"],
            date_of_birth=story["birth"],
            sex=subject.sex,
            consent_signed_on=story["consented"],
            labs={
                code: eligibility.LabResult(
                    Decimal(v["value"]), Decimal(v["uln"]) if v["uln"] else None
                )
                for code, v in LABS.items()
            },
            **{
                name: frozenset(value) if isinstance(value, list) else value
                for name, value in answers.items()
            },
        )
        result = eligibility.assess_eligibility(facts, self.thresholds)
        confirmed = story["enrolled"]
        if confirmed and result.status != eligibility.Status.ELIGIBLE:
            missing = [f"{f.code}: {f.reason}" for f in (*result.failed, *result.missing)]
            raise CommandError(f"seed bug: an enrolled subject is {result.status}: {missing}")
        return EligibilityAssessment(
            subject=subject,
            assessment_date=story["assessed"],
            labs=LABS,
            status=str(result.status),
            findings=[
                {
                    "code": f.code,
                    "criterion": f.criterion,
                    "outcome": str(f.outcome),
                    "reason": f.reason,
                }
                for f in result.findings
            ],
            saved_by=crc,
            recorded_at=_aware(story["assessed"], 11),
            saved_at=_aware(story["assessed"], 11),
            confirmed_by=pi if confirmed else None,
            confirmed_at=_aware(story["assessed"], 15) if confirmed else None,
            screen_failed_by=None if confirmed else crc,
            screen_failed_at=None if confirmed else _aware(story["assessed"], 15),
            screen_failure_reason="" if confirmed else "ECOG 3 (inclusion 3)",
            **answers,
        )

    def _visits(self, subject, story) -> list[Visit]:
        if not story["enrolled"]:
            return []
        planned = schedule.plan_visits(self.definitions, first_dose=story["c1d1"])
        if story["treatment_over"]:
            planned = schedule.reanchor_on_last_dose(
                planned, self.definitions, last_dose=story["last_dose"]
            )
        exit_on = story["exit_on"]
        rows = []
        for plan in planned:
            not_applicable = plan.not_applicable or (
                exit_on is not None and plan.window_opens > exit_on
            )
            done = None
            if plan.kind == schedule.VisitKind.SCREENING:
                done = story["assessed"]
            elif (
                not not_applicable
                and plan.target_date < self.today
                and (
                    plan.kind != schedule.VisitKind.DOSING or plan.target_date <= story["last_dose"]
                )
            ):
                done = plan.target_date
            rows.append(
                Visit(
                    subject=subject,
                    code=plan.code,
                    name=plan.name,
                    kind=plan.kind.value,
                    anchor=plan.anchor.value,
                    cycle=plan.cycle,
                    order=plan.order,
                    target_date=plan.target_date,
                    window_opens_on=plan.window_opens,
                    window_closes_on=plan.window_closes,
                    completed_on=done,
                    not_applicable=not_applicable and done is None,
                )
            )
        return rows

    def _doses(self, subject, story, visits, level, crc) -> list[DosingRecord]:
        rng = self.rng
        rows = []
        for visit in visits:
            if visit.kind != "dosing" or visit.completed_on is None:
                continue
            rows.append(
                DosingRecord(
                    visit=visit,
                    subject=subject,
                    administered_on=visit.completed_on,
                    start_time=time(9, rng.choice([0, 15, 30, 45])),
                    stop_time=time(10, rng.choice([0, 15, 30])),
                    dose_level=level,
                    dose_amount=level.dose_amount,
                    dose_unit=level.dose_unit,
                    volume_ml=Decimal("1.00"),
                    route="intratumoural",
                    injected_lesions="Target lesion T1",
                    lot_number=f"LOT-{visit.completed_on:%Y}-{rng.randint(1, 12):02d}",
                    pre_temperature_c=Decimal("36.7"),
                    pre_pulse_bpm=Decimal(rng.randint(60, 90)),
                    pre_systolic_mmhg=Decimal(rng.randint(110, 140)),
                    pre_diastolic_mmhg=Decimal(rng.randint(65, 85)),
                    pre_respiratory_rate=Decimal(14),
                    pre_spo2_pct=Decimal(98),
                    post_temperature_c=Decimal("37.0"),
                    post_pulse_bpm=Decimal(rng.randint(60, 95)),
                    post_systolic_mmhg=Decimal(rng.randint(110, 145)),
                    post_diastolic_mmhg=Decimal(rng.randint(65, 88)),
                    post_respiratory_rate=Decimal(15),
                    post_spo2_pct=Decimal(97),
                    recorded_by=crc,
                )
            )
        return rows

    def _adverse_events(self, subject, story, crc, pi) -> list[AdverseEvent]:
        rng = self.rng
        c1d1, last_dose = story["c1d1"], story["last_dose"]
        if story["exit_on"] is not None:
            latest = story["exit_on"]  # no data after withdrawal, loss or death
        else:
            latest = min(self.today, story["stopped_on"] + timedelta(days=self.te_window))
        span = max(0, (latest - c1d1).days)
        count = max(0, self.options["aes_per_subject"] + rng.randint(-2, 2))
        rows = []
        for sequence in range(1, count + 1):
            rows.append(
                self._adverse_event(
                    subject, story, sequence, c1d1 + timedelta(days=rng.randint(0, span)), crc, pi
                )
            )
        if story["exit_kind"] == "death" and self.fatal_terms:
            rows.append(
                self._adverse_event(
                    subject, story, count + 1, story["exit_on"], crc, pi, fatal=True
                )
            )
        for row in rows:
            facts = rules.AeFacts(
                onset_date=row.onset_date,
                treatment_emergent_window_days=self.te_window,
                end_date=row.end_date,
                ongoing=row.ongoing,
                grade=row.grade,
                serious=row.serious,
                serious_criteria=frozenset(rules.SeriousCriterion(c) for c in row.serious_criteria),
                outcome=rules.Outcome(row.outcome),
                death_date=row.death_date,
                term=row.term.term,
                available_grades=frozenset(row.term.available_grades),
                consent_date=story["consented"],
                first_dose_date=c1d1,
                last_dose_date=last_dose if story["treatment_over"] else None,
            )
            problems = rules.check_consistency(facts)
            if problems:
                raise CommandError(f"seed bug: inconsistent AE: {problems}")
            row.period = facts.period.value
        return rows

    def _adverse_event(self, subject, story, sequence, onset, crc, pi, fatal=False):
        rng = self.rng
        if fatal:
            term = rng.choice(self.fatal_terms)
            grade = 5
        else:
            term = rng.choice(self.terms)
            grades = [g for g in term.available_grades if g < 5]
            grade = rng.choices(grades, weights=[{1: 50, 2: 30, 3: 15, 4: 5}[g] for g in grades])[0]
        serious = fatal or (grade >= 3 and rng.random() < 0.3)
        criteria = ["death"] if fatal else (["hospitalisation"] if serious else [])
        ended = fatal or rng.random() < 0.6
        end = None
        if ended:
            end = onset if fatal else min(self.today, onset + timedelta(days=rng.randint(1, 20)))
        relationship = (
            "" if rng.random() < 0.15 else rng.choice([r.value for r in rules.Relationship])
        )
        expectedness = rng.choice(["expected", "unexpected"]) if relationship else ""
        aware_at = _aware(onset, 12) if serious else None
        rel = rules.Relationship(relationship) if relationship else None
        exp = rules.Expectedness(expectedness) if expectedness else None
        susar = rules.is_susar(serious, rel, exp)
        candidate = rules.dlt_candidate(
            grade=grade,
            relationship=rel,
            onset_date=onset,
            first_dose_date=story["c1d1"],
            dlt_window_days=self.study.dlt_window_days,
        )
        outcome = "fatal" if fatal else ("recovered" if ended else "not_recovered")
        return AdverseEvent(
            subject=subject,
            sequence=sequence,
            term=term,
            recorded_term=term.term,
            recorded_meddra_code=term.meddra_code,
            recorded_soc=term.soc,
            onset_date=onset,
            ongoing=not ended,
            end_date=end,
            grade=grade,
            worst_grade=grade,
            serious=serious,
            serious_criteria=criteria,
            relationship=relationship,
            relationship_by=pi if relationship else None,
            relationship_at=_aware(onset, 17) if relationship else None,
            expectedness=expectedness,
            action_taken="not_applicable"
            if fatal
            else rng.choice(["dose_not_changed", "dose_delayed", "dose_not_changed"]),
            outcome=outcome,
            death_date=onset if fatal else None,
            period="",
            aware_at=aware_at,
            sae_report_due_at=rules.sae_report_due_at(aware_at) if serious else None,
            sae_reported_at=aware_at + timedelta(hours=6) if serious else None,
            sae_reported_by=pi if serious else None,
            susar=susar,
            susar_report_due_at=(
                rules.susar_report_due_at(aware_at, fatal_or_life_threatening=fatal)
                if susar
                else None
            ),
            dlt_candidate=candidate.is_candidate,
            dlt_candidate_reason=candidate.reason[:300],
            recorded_by=crc,
        )

    def _tumour_assessments(self, subjects, stories):
        rng = self.rng
        lesions, plans = [], []
        for subject, (story, crc, _pi, level) in zip(subjects, stories, strict=True):
            if level is None:
                continue
            n = rng.randint(1, 3)
            organs = rng.sample(ORGANS, n)
            defs = [
                TargetLesionDefinition(
                    subject=subject,
                    lesion_id=f"T{i + 1}",
                    organ=organ,
                    is_lymph_node=organ == "Lymph nodes",
                    location=f"{organ} lesion {i + 1}",
                )
                for i, organ in enumerate(organs)
            ]
            sizes = [Decimal(rng.randint(18, 60)) for _ in defs]
            lesions.extend(defs)
            plans.append((subject, story, crc, defs, sizes))
        TargetLesionDefinition.objects.bulk_create(lesions, batch_size=2000)
        # One non-target lesion per subject, present at every time point (non-CR/non-PD),
        # in an organ its targets are not in (no draw from rng: the other rows stay the same).
        non_targets = {
            subject.pk: NonTargetLesionDefinition(
                subject=subject,
                lesion_id="NT1",
                organ=next(o for o in ORGANS if o not in {d.organ for d in defs}),
                location="non-target lesion 1",
            )
            for subject, _story, _crc, defs, _sizes in plans
        }
        for lesion in non_targets.values():
            lesion.is_lymph_node = lesion.organ == "Lymph nodes"
        NonTargetLesionDefinition.objects.bulk_create(non_targets.values(), batch_size=2000)
        assessments, measurements = [], []
        for subject, story, crc, defs, sizes in plans:
            targets = tuple(
                recist.TargetLesion(d.lesion_id, d.organ, d.is_lymph_node, s)
                for d, s in zip(defs, sizes, strict=True)
            )
            baseline = recist.Assessment(
                story["assessed"], targets, recist.NonTargetStatus.NON_CR_NON_PD, False
            )
            rows = [
                (
                    TumourAssessment(
                        subject=subject,
                        assessment_date=story["assessed"],
                        is_baseline=True,
                        non_target="non_cr_non_pd",
                        new_lesions=False,
                        sum_mm=recist.sum_of_diameters(targets),
                        recorded_by=crc,
                    ),
                    sizes,
                )
            ]
            prior = []
            day = story["c1d1"] + timedelta(days=42)
            current_sizes = list(sizes)
            while day < min(self.today, story["stopped_on"]) and len(rows) < 6:
                drift = Decimal(rng.choice([-4, -2, -1, 0, 1, 2, 3]))
                current_sizes = [max(Decimal(0), s + drift) for s in current_sizes]
                point = recist.Assessment(
                    day,
                    tuple(
                        replace(t, diameter_mm=s)
                        for t, s in zip(targets, current_sizes, strict=True)
                    ),
                    recist.NonTargetStatus.NON_CR_NON_PD,
                    False,
                )
                result = recist.overall_response(baseline, prior, point)
                prior.append(point)
                rows.append(
                    (
                        TumourAssessment(
                            subject=subject,
                            assessment_date=day,
                            non_target="non_cr_non_pd",
                            new_lesions=False,
                            sum_mm=result.sum_mm,
                            change_from_baseline_pct=result.change_from_baseline_pct,
                            change_from_nadir_pct=result.change_from_nadir_pct,
                            nadir_mm=result.nadir_mm,
                            response=result.response.value,
                            reasons=list(result.reasons),
                            recorded_by=crc,
                        ),
                        list(current_sizes),
                    )
                )
                day += timedelta(days=42)
            for row, row_sizes in rows:
                assessments.append(row)
                measurements.append((row, defs, row_sizes))
        TumourAssessment.objects.bulk_create(assessments, batch_size=2000)
        LesionMeasurement.objects.bulk_create(
            [
                LesionMeasurement(assessment=row, lesion=d, diameter_mm=s)
                for row, defs, row_sizes in measurements
                for d, s in zip(defs, row_sizes, strict=True)
            ],
            batch_size=2000,
        )
        NonTargetObservation.objects.bulk_create(
            [
                NonTargetObservation(
                    assessment=row, lesion=non_targets[row.subject_id], state="present"
                )
                for row in assessments
            ],
            batch_size=2000,
        )
        self.counts["tumour_assessments"] += len(assessments)

    def _queries(self, events, stories, subjects):
        """An open or answered query on about one AE in twenty."""
        rng = self.rng
        coordinator_of = {
            s.pk: crc for s, (_story, crc, _pi, _lvl) in zip(subjects, stories, strict=True)
        }
        chosen = [e for e in events if rng.random() < 0.05]
        queries = [
            Query(
                subject_id=event.subject_id,
                content_type=self.content_types[AdverseEvent],
                object_id=event.pk,
                field_name="grade",
                text="Please confirm the grade against the source document.",
                origin="manual",
                status=rng.choice(["open", "answered", "closed"]),
                raised_by=self.marker,
                raised_at=_aware(event.onset_date, 18),
            )
            for event in chosen
        ]
        Query.objects.bulk_create(queries)
        QueryMessage.objects.bulk_create(
            [
                QueryMessage(
                    query=q, kind="raised", author=self.marker, text=q.text, created_at=q.raised_at
                )
                for q in queries
            ]
            + [
                QueryMessage(
                    query=q,
                    kind="answered",
                    author=coordinator_of[q.subject_id],
                    text="Grade confirmed.",
                    created_at=q.raised_at + timedelta(days=1),
                )
                for q in queries
                if q.status != "open"
            ]
        )
        Query.objects.filter(pk__in=[q.pk for q in queries if q.status == "closed"]).update(
            closed_by=self.marker, closed_at=F("raised_at") + timedelta(days=2)
        )
        self.counts["queries"] += len(queries)
