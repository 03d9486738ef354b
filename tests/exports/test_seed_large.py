"""The benchmark seed, scaled down: consistent data that every export can read."""

import json
import zipfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from lxml import etree

from adverse_events import rules
from adverse_events.models import AdverseEvent
from dosing.models import DosingRecord
from exports import services
from exports.models import ExportStatus
from history import prior_therapy
from history import services as history_services
from history.models import MedicalHistory, PriorRadiotherapy, PriorSurgery, SystemicTherapyLine
from medications import services as medication_services
from medications.models import ConcomitantMedication
from review import current
from review.services import edit_check_failures
from screening.models import EligibilityAssessment
from tests.exports import sdtm_checks
from trial import lifecycle
from trial.models import Site, Subject, SubjectEvent, Visit

ODM_XSD = Path(__file__).resolve().parents[3] / "shared" / "data" / "odm-1.3.2" / "ODM1-3-2.xsd"


def test_seed_creates_the_asked_numbers(seeded):
    assert Site.objects.count() == 4
    enrolled = Subject.objects.exclude(status__in=["screening", "screen_failed"])
    assert enrolled.count() == 20
    assert Subject.objects.filter(status="screen_failed").count() == 2
    assert Visit.objects.count() == 20 * 16
    assert 20 * 2 <= AdverseEvent.objects.count() <= 20 * 7


def test_seed_is_consistent_with_the_rules(seeded):
    for subject in Subject.objects.exclude(status="screen_failed"):
        assessment = EligibilityAssessment.objects.get(subject=subject)
        assert assessment.status == "eligible" and assessment.confirmed_at
        for dose in DosingRecord.objects.filter(subject=subject):
            assert dose.visit.completed_on == dose.administered_on
    for ae in AdverseEvent.objects.all():
        assert ae.worst_grade == ae.grade and ae.grade in ae.term.available_grades
        assert (ae.outcome == "fatal") == (ae.grade == 5)
        assert ae.ongoing == (ae.end_date is None)
        assert not ae.serious or ae.sae_report_due_at == rules.sae_report_due_at(ae.aware_at)
    numbers = list(Subject.objects.values_list("screening_number", flat=True))
    assert len(numbers) == len(set(numbers))


def test_seed_signatures_bind_the_assessments_as_stored(seeded):
    """The seeded investigator's eligibility signatures are valid: none is in the review queue
    as edited since it was signed, and each assessment was saved before its confirmation, as
    through the services (none needs hashing to tell)."""
    assessments = EligibilityAssessment.objects.filter(confirmed_at__isnull=False)
    _, signed, to_hash = current.split(assessments)
    assert signed.count() == assessments.count() > 0
    assert current.mismatched(to_hash) == []
    assert not to_hash.exists()
    for assessment in assessments:
        assert assessment.recorded_at == assessment.saved_at < assessment.confirmed_at


def test_seed_background_passes_the_services_rules_and_raises_no_query(seeded):
    """History, prior therapy and medications as the services would have accepted them, and
    agreeing with the eligibility answers: no edit check of any of them (nor of the eligibility
    CRF, which compares its answers with the prior therapy) fails."""
    now = timezone.now()
    subjects = list(Subject.objects.all())
    assert MedicalHistory.objects.count() >= len(subjects)
    for record in MedicalHistory.objects.select_related("subject"):
        values = {name: getattr(record, name) for name in history_services.MH_FIELDS}
        assert history_services.check(record.subject, values, now=now) == [], record
    for record in ConcomitantMedication.objects.select_related("subject"):
        values = {name: getattr(record, name) for name in medication_services.CM_FIELDS}
        assert medication_services.check(record.subject, values, now=now) == [], record
    for subject in subjects:
        lines = list(SystemicTherapyLine.objects.filter(subject=subject).order_by("line_number"))
        assert [line.line_number for line in lines] == [1, 2]
        consented = timezone.localtime(subject.consent.signed_at).date()
        for line in lines:
            values = {name: getattr(line, name) for name in history_services.LINE_FIELDS}
            problems = prior_therapy.check_line(
                history_services.line_facts(values),
                other_lines={o.line_number: o.title for o in lines if o.pk != line.pk},
                today=now.date(),
                consent_date=consented,
            )
            assert problems == [], (line, problems)
    assert PriorRadiotherapy.objects.exists() and PriorSurgery.objects.exists()
    records = [
        *MedicalHistory.objects.all(),
        *SystemicTherapyLine.objects.all(),
        *PriorRadiotherapy.objects.all(),
        *PriorSurgery.objects.all(),
        *ConcomitantMedication.objects.all(),
        *EligibilityAssessment.objects.all(),
    ]
    failing = {str(r): edit_check_failures(r, now) for r in records}
    assert {r: f for r, f in failing.items() if f} == {}


def test_seed_dispositions_follow_the_disposition_rules(seeded):
    """No event after a death, no completion after an early exit, one end of treatment
    epoch: each disposition checked against those recorded before it."""
    checked = 0
    for subject in Subject.objects.filter(dispositions__isnull=False).distinct():
        recorded = []
        for kind, on in subject.dispositions.order_by("event_date", "id").values_list(
            "kind", "event_date"
        ):
            assert lifecycle.disposition_problems(recorded, kind, on) == [], (subject, kind)
            recorded.append((kind, on))
            checked += 1
    assert checked > 0


def test_seed_rows_are_audited_with_the_seed_reason(seeded):
    event = SubjectEvent.objects.order_by("pgh_id").last()
    assert event.pgh_context.metadata["reason"] == "Large benchmark seed (seed_large)"


def test_seed_refuses_to_run_twice_without_force(seeded):
    with pytest.raises(CommandError, match="already seeded"):
        call_command("seed_large", "--subjects", "2", "--sites", "4")
    call_command("seed_large", "--subjects", "2", "--sites", "4", "--force")
    assert Subject.objects.exclude(status="screen_failed").count() == 22


def test_seeded_data_exports_to_valid_odm(seeded):
    if not ODM_XSD.exists():
        pytest.skip(f"the ODM 1.3.2 schema is not at {ODM_XSD}")
    output = Path(services.scratch_dir()) / "x.xml"
    run = services.export_to_path(by=None, format="odm", output=output)
    assert run.status == ExportStatus.DONE, run.error
    schema = etree.XMLSchema(etree.parse(str(ODM_XSD)))
    assert schema.validate(etree.parse(str(output))), schema.error_log


def test_seeded_sdtm_dataset_json_and_define_xml_are_valid_and_match_the_xpt(seeded):
    output = Path(services.scratch_dir()) / "sdtm.zip"
    run = services.export_to_path(by=None, format="sdtm", output=output)
    assert run.status == ExportStatus.DONE, run.error
    with zipfile.ZipFile(output) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    for domain in sdtm_checks.DOMAINS:
        assert sdtm_checks.dataset_json_problems(files, domain) == []
        assert sdtm_checks.dataset_json_differences(files, domain) == []
    assert json.loads(files["tr.json"])["records"] > 100
    assert sdtm_checks.define_schema_errors(files["define.xml"]) == []
    assert sdtm_checks.define_problems(files) == []


def test_seed_large_leaves_what_it_wrote_analysed(seeded):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = 'trial_visit'::regclass")
        assert cursor.fetchone()[0] == Visit.objects.count() == 20 * 16
