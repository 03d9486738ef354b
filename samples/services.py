"""Recording PK and immunogenicity samples through the CRF write contract
(review.contract.crf_write). The rules are samples.timing: a save finds the sample in the
study's schedule for its visit, reads its collection time against the visit's dose and flags
a deviation beyond the tolerance; handling stages are recorded in order."""

from datetime import UTC, datetime, timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone

from review.contract import crf_write
from review.records import KINDS as REGISTERED
from samples import timing
from samples.models import Sample
from trial.access import entry_required
from trial.models import User, Visit

SAMPLE_FIELDS = ("sample_type", "nominal_time", "sample_id", "collected_on", "collected_time")
_DOSE_LABEL = "dosing.dosingrecord"


def scheduled_at(visit: Visit) -> list[timing.ScheduledSample]:
    """The samples the study plans at `visit`."""
    return timing.scheduled_at(visit.subject.study.sample_schedule, visit.code)


def _local(day, time_of_day) -> datetime:
    """A date and time typed at the site (the installation's TIME_ZONE), in UTC: intervals
    across a daylight-saving change come out right."""
    aware = datetime.combine(day, time_of_day, tzinfo=timezone.get_current_timezone())
    return aware.astimezone(UTC)


def dose_times(visit: Visit) -> tuple[datetime | None, datetime | None]:
    """(start, end) of the visit's live dose on its dosing CRF, in UTC; None where not typed.

    The dosing CRF is read through the registry of kinds (samples and dosing stand on the
    same floor and do not import each other)."""
    kind = REGISTERED.get(_DOSE_LABEL)
    dose = None
    if kind is not None:
        dose = (
            kind.model.objects.filter(visit_id=visit.pk, voided_at__isnull=True)
            .values("administered_on", "start_time", "stop_time")
            .first()
        )
    if dose is None or dose["administered_on"] is None or dose["start_time"] is None:
        return None, None
    start = _local(dose["administered_on"], dose["start_time"])
    end = None
    if dose["stop_time"] is not None:
        end = _local(dose["administered_on"], dose["stop_time"])
        if end < start:  # an injection running past midnight
            end += timedelta(days=1)
    return start, end


def _compute(record: Sample) -> None:
    """Find the sample in the schedule, check its time against the dose and derive the
    deviation; field errors raise ValidationError naming the field and the rule."""
    visit = record.visit
    scheduled = scheduled_at(visit)
    types = {s.type_code: s.type_label for s in scheduled}
    if record.sample_type not in types:
        planned = ", ".join(types) or "none"
        raise ValidationError(
            {
                "sample_type": [
                    f"No {record.sample_type or 'such'} sample is planned at {visit.code} "
                    f"(planned there: {planned})."
                ]
            }
        )
    match = next(
        (
            s
            for s in scheduled
            if s.type_code == record.sample_type and s.time_code == record.nominal_time
        ),
        None,
    )
    if match is None:
        times = ", ".join(s.time_code for s in scheduled if s.type_code == record.sample_type)
        raise ValidationError(
            {
                "nominal_time": [
                    f"{record.sample_type} at {visit.code} is collected at {times}, not "
                    f"{record.nominal_time or 'no time'}."
                ]
            }
        )
    if not record.sample_id:
        raise ValidationError({"sample_id": ["A sample needs its identifier."]})
    start, end = dose_times(visit)
    if start is None or (match.anchor == "after_end_minutes" and end is None):
        what = "date and start time" if start is None else "stop time"
        raise ValidationError(
            {
                "collected_time": [
                    f"The dosing CRF of {visit.code} has no {what} yet: record the dose first; "
                    "a sample's time is read against it."
                ]
            }
        )
    try:
        result = timing.sample_timing(
            planned=match.planned,
            dose_started_at=start,
            dose_ended_at=end,
            collected_at=_local(record.collected_on, record.collected_time),
        )
    except timing.SampleTimeError as error:
        raise ValidationError({"collected_time": [f"{error}."]}) from None
    record.sample_type_label = match.type_label
    record.nominal_label = match.time_label
    record.nominal_anchor = match.anchor
    record.nominal_offset_minutes = match.offset_minutes
    record.tolerance_minutes = match.tolerance_minutes
    record.dose_reference_at = end if match.anchor == "after_end_minutes" else start
    record.deviation_minutes = round(result.deviation.total_seconds() / 60)
    record.beyond_tolerance = result.beyond_tolerance
    record.timing_reason = result.reason[:200]


def _refuse_a_second(record: Sample) -> None:
    """One live sample per visit, type and nominal time; an identifier used once (checked
    under the subject's row lock; the database's unique constraints back both)."""
    live = Sample.objects.filter(voided_at__isnull=True).exclude(pk=record.pk)
    if live.filter(
        visit=record.visit, sample_type=record.sample_type, nominal_time=record.nominal_time
    ).exists():
        raise ValidationError(
            {
                "nominal_time": [
                    f"The {record.sample_type} {record.nominal_label} sample of "
                    f"{record.visit.code} is already recorded: correct that one instead."
                ]
            }
        )
    if live.filter(sample_id=record.sample_id).exists():
        raise ValidationError(
            {"sample_id": [f"Sample identifier {record.sample_id} is already recorded."]}
        )


def _apply(record: Sample, values: dict) -> None:
    for name in SAMPLE_FIELDS:
        value = values.get(name)
        if name in ("sample_type", "nominal_time", "sample_id"):
            value = (value or "").strip()
        setattr(record, name, value)


def sample_record(*, visit: Visit, by: User, values: dict, now: datetime) -> Sample:
    """Add a collected sample at a visit."""
    subject = visit.subject
    with crf_write(
        require=entry_required(by, subject, "record samples"),
        by=by,
        now=now,
        subject=subject,
        audit_reason="Sample recorded",
    ) as write:
        record = Sample(subject=subject, visit=visit, recorded_by=by)
        _apply(record, values)
        _compute(record)
        _refuse_a_second(record)
        write.save(record)
    return record


def sample_update(
    *, record: Sample, by: User, values: dict, reason: str, expected_version: int, now: datetime
) -> Sample:
    with crf_write(
        require=entry_required(by, record.subject, "edit samples"),
        by=by,
        now=now,
        record=record,
        expected_version=expected_version,
        reason=reason,
    ) as write:
        current = write.record
        _apply(current, values)
        _compute(current)
        _refuse_a_second(current)
        write.save(current)
    return current


def sample_stage_record(
    *,
    record: Sample,
    by: User,
    stage: str,
    at: datetime,
    reference: str = "",
    expected_version: int,
    now: datetime,
) -> Sample:
    """Record that the sample was processed, stored or shipped at `at` (each once, in that
    order, not before its collection nor in the future); a shipment names its reference.
    An act recorded on the row, not a correction: no reason for change is asked."""
    with crf_write(
        require=entry_required(by, record.subject, "record sample handling"),
        by=by,
        now=now,
        record=record,
        expected_version=expected_version,
        reason_required=False,
        audit_reason=f"Sample {stage}",
    ) as write:
        current = write.record
        done = {
            name: timezone.localtime(getattr(current, f"{name}_at"))
            for name in timing.STAGES
            if getattr(current, f"{name}_at") is not None
        }
        problem = timing.stage_problem(
            stage=stage,
            at=at,
            now=now,
            collected_at=_local(current.collected_on, current.collected_time),
            done=done,
        )
        if problem:
            raise ValidationError({"at": [problem]})
        reference = (reference or "").strip()
        fields = [f"{stage}_at"]
        if stage == "shipped":
            if not reference:
                raise ValidationError(
                    {"reference": ["A shipment needs its reference (waybill or manifest)."]}
                )
            current.shipment_reference = reference
            fields.append("shipment_reference")
        setattr(current, f"{stage}_at", at)
        write.save(current, update_fields=fields)
    return current


def sample_void(
    *, record: Sample, by: User, reason: str, expected_version: int, now: datetime
) -> Sample:
    with crf_write(
        require=entry_required(by, record.subject, "void samples"),
        by=by,
        now=now,
        record=record,
        expected_version=expected_version,
        reason=reason,
        void=True,
    ) as write:
        return write.void()
