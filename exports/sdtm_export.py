"""SDTM datasets from the CRFs: one streamed query per domain, mapped by exports.sdtm.

Each domain is written as CSV, then the CSV (whose longest value per variable is now known)
is converted to SAS transport v5 and to Dataset-JSON v1.1 (the same rows); all three go
into one zip with define.xml (Define-XML 2.1, from what the CSV pass learnt of each
variable) and a manifest. Rows are sorted by
USUBJID (byte order) and --SEQ restarts at 1 for each subject.
"""

from __future__ import annotations

import csv
import heapq
import itertools
import json
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from pathlib import Path

from django.db.models import F, Min, OuterRef, QuerySet, Subquery
from django.utils import timezone

from dispositions.models import Disposition, DispositionKind
from dosing.models import DoseChange, DosingRecord
from exports import dataset_json, define_xml, sdtm, sdtm_design, sdtm_metadata
from exports.xport import XptVariable, ascii_text, write_xpt
from review.records import sdtm_domains
from review.sdtm import SdtmDomain
from review.sdtm_reading import Keys as _Keys
from review.sdtm_reading import combine as _combine
from review.sdtm_reading import in_scope as _in_scope
from review.sdtm_reading import local as _local
from review.sdtm_reading import reference_start
from review.sdtm_reading import subjid as _subjid
from screening.eligibility import CRITERIA
from screening.models import Consent
from screening.sdtm import criterion_testcd
from trial.models import (
    DoseLevel,
    ProtocolThreshold,
    Study,
    Subject,
    VisitDefinition,
)
from trial.spreadsheet import csv_writer, restored

Tick = Callable[[int], None]
SOURCE_SYSTEM = "IL-22BP/LNP eCRF"
SOURCE_SYSTEM_VERSION = "1.0"
METADATA_VERSION_OID = "MDV.SDTM"
ENDS_PARTICIPATION = (
    DispositionKind.END_OF_STUDY,
    DispositionKind.WITHDRAWAL,
    DispositionKind.LOST_TO_FOLLOW_UP,
    DispositionKind.DEATH,
)


def study_oid(study: Study) -> str:
    """The study's OID in define.xml and the Dataset-JSON files."""
    return f"ST.{study.protocol_number}"


def _doses_given(outer: str):
    return DosingRecord.objects.filter(
        subject=OuterRef(outer), administered_on__isnull=False, voided_at__isnull=True
    ).exclude(dose_change=DoseChange.SKIPPED)


def arm_label(study: Study, code: str, amount, unit: str) -> str:
    """ARM (DM, TA): the dose level and its dose, "DL1 25 ug IL-22BP/LNP"."""
    amount = format(amount.normalize(), "f") if amount is not None else ""
    unit = sdtm.unit_term(unit or "")
    return f"{code} {amount} {unit} {study.product}".replace("  ", " ").strip()


def design_facts(study: Study, subjects: QuerySet[Subject]) -> sdtm_design.StudyFacts:
    """The trial design as configured (studies/*.toml, loaded by load_study)."""
    thresholds = dict(
        ProtocolThreshold.objects.filter(
            study=study, key__in=("age_min_years", "age_max_years")
        ).values_list("key", "value")
    )
    first_consent = Consent.objects.filter(subject__in=subjects.values("pk")).aggregate(
        first=Min("signed_at")
    )["first"]
    return sdtm_design.StudyFacts(
        studyid=study.protocol_number,
        title=study.title,
        phase=study.phase,
        product=study.product,
        sponsor=study.sponsor,
        planned_subjects=study.target_enrollment,
        max_cycles=study.max_cycles,
        cycle_length_days=study.cycle_length_days,
        route="INTRATUMOR",
        arms=tuple(
            sdtm_design.Arm(d.code, arm_label(study, d.code, d.dose_amount, d.dose_unit))
            for d in DoseLevel.objects.filter(study=study).order_by("order")
        ),
        visits=tuple(
            sdtm_design.PlannedVisit(
                number=d.order,
                name=d.name,
                kind=d.kind,
                anchor=d.anchor,
                offset_days=d.offset_days,
                offset_months=d.offset_months,
                window_before_days=d.window_before_days,
                window_after_days=d.window_after_days,
            )
            for d in VisitDefinition.objects.filter(study=study).order_by("order")
        ),
        criteria=tuple(sdtm_design.Criterion(c.code, c.title, c.protocol_text) for c in CRITERIA),
        age_min_years=_whole(thresholds.get("age_min_years")),
        age_max_years=_whole(thresholds.get("age_max_years")),
        indication="Refractory advanced malignant solid tumours",
        study_start=_local(first_consent).date() if first_consent else None,
        sdtm_version=sdtm.SDTM_VERSION,
        sdtmig_version=sdtm.SDTMIG_VERSION,
    )


def _whole(value) -> int | None:
    return int(value) if value is not None else None


def _design_reader(domain: str):
    def records(study: Study, subjects: QuerySet[Subject]) -> Iterator[dict]:
        yield from sdtm_design.design_records(design_facts(study, subjects), criterion_testcd)[
            domain
        ]

    return records


def dm_records(study: Study, subjects: QuerySet[Subject]) -> Iterator[dict]:
    # The dates are the subject's stored ones; the times those of the doses given on them.
    first = _doses_given("pk").filter(administered_on=OuterRef("first_dose_on"))
    last = _doses_given("pk").filter(administered_on=OuterRef("last_dose_on"))
    rows = (
        subjects.annotate(
            subjid=_subjid(""),
            first_on=F("first_dose_on"),
            first_time=Subquery(first.order_by("start_time").values("start_time")[:1]),
            last_on=F("last_dose_on"),
            last_time=Subquery(
                last.order_by(F("stop_time").desc(nulls_last=True)).values("stop_time")[:1]
            ),
            death_on=Subquery(
                Disposition.objects.filter(
                    subject=OuterRef("pk"), kind=DispositionKind.DEATH
                ).values("event_date")[:1]
            ),
            ended_on=Subquery(
                Disposition.objects.filter(subject=OuterRef("pk"), kind__in=ENDS_PARTICIPATION)
                .order_by("-event_date")
                .values("event_date")[:1]
            ),
        )
        .order_by("subjid")
        .values(
            "subjid",
            "site__code",
            "site__country",
            "sex",
            "date_of_birth",
            "race",
            "ethnicity",
            "created_at",
            "status",
            "consent__signed_at",
            "enrolled_at",
            "eligibility__screen_failed_at",
            "dose_level__code",
            "dose_level__dose_amount",
            "dose_level__dose_unit",
            "first_on",
            "first_time",
            "last_on",
            "last_time",
            "death_on",
            "ended_on",
        )
    )
    for row in rows.iterator(2000):
        level = row["dose_level__code"] or ""
        label = ""
        if level:
            label = arm_label(
                study, level, row["dose_level__dose_amount"], row["dose_level__dose_unit"]
            )
        ended = row["ended_on"]
        if ended is None and row["eligibility__screen_failed_at"]:
            ended = _local(row["eligibility__screen_failed_at"]).date()
        yield sdtm.dm_record(
            sdtm.SubjectFacts(
                studyid=study.protocol_number,
                subjid=row["subjid"],
                site_code=row["site__code"],
                country=row["site__country"] or "",
                sex=row["sex"],
                birth_date=row["date_of_birth"],
                registered_on=_local(row["created_at"]).date(),
                status=row["status"],
                consent_at=_local(row["consent__signed_at"]),
                dose_level_code=level,
                dose_level_label=label,
                first_dose_at=_combine(row["first_on"], row["first_time"]),
                last_dose_at=_combine(row["last_on"], row["last_time"]),
                enrolled_at=_local(row["enrolled_at"]),
                end_of_participation=ended,
                death_date=row["death_on"],
                race=sdtm.demographic_term(row["race"], sdtm.RACE_TERMS),
                ethnicity=sdtm.demographic_term(row["ethnicity"], sdtm.ETHNIC_TERMS),
            )
        )


def ds_records(study: Study, subjects: QuerySet[Subject]) -> Iterator[dict]:
    keys = _Keys(study.protocol_number)
    subject_rows = (
        subjects.annotate(subjid=_subjid(""), rfst=reference_start("pk"))
        .order_by("subjid")
        .values(
            "subjid",
            "rfst",
            "consent__signed_at",
            "eligibility__screen_failed_at",
            "eligibility__screen_failure_reason",
        )
        .iterator(2000)
    )
    disposition_rows = (
        _in_scope(Disposition.objects, subjects)
        .annotate(subjid=_subjid())
        .order_by("subjid", "event_date", "id")
        .values("subjid", "kind", "event_date", "reason")
        .iterator(2000)
    )
    dose_counts = (
        _in_scope(DosingRecord.objects, subjects)
        .filter(administered_on__isnull=False, voided_at__isnull=True)
        .exclude(dose_change=DoseChange.SKIPPED)
        .annotate(subjid=_subjid())
        .order_by("subjid")
        .values("subjid")
        .iterator(2000)
    )
    merged = heapq.merge(
        (("s", r) for r in subject_rows),
        (("d", r) for r in disposition_rows),
        (("x", r) for r in dose_counts),
        key=lambda item: item[1]["subjid"],
    )
    for _subjid_value, items in itertools.groupby(merged, key=lambda item: item[1]["subjid"]):
        subject, dispositions, doses = None, [], 0
        for tag, row in items:
            if tag == "s":
                subject = row
            elif tag == "d":
                dispositions.append(row)
            else:
                doses += 1
        if subject is None:
            continue
        events = []
        if subject["consent__signed_at"]:
            events.append(sdtm.DispositionFacts("consent", _local(subject["consent__signed_at"])))
        if subject["eligibility__screen_failed_at"]:
            events.append(
                sdtm.DispositionFacts(
                    "screen_failure",
                    _local(subject["eligibility__screen_failed_at"]).date(),
                    subject["eligibility__screen_failure_reason"],
                )
            )
        end_of_treatment = next(
            (
                d["event_date"]
                for d in dispositions
                if d["kind"] == DispositionKind.END_OF_TREATMENT
            ),
            None,
        )
        for row in dispositions:
            events.append(
                sdtm.DispositionFacts(
                    row["kind"],
                    row["event_date"],
                    row["reason"],
                    all_cycles_given=doses >= study.max_cycles,
                    after_end_of_treatment=(
                        end_of_treatment is not None and row["event_date"] >= end_of_treatment
                    ),
                )
            )
        yield from sdtm.ds_records(keys(subject), events)


# Domains still specified in exports (exports.sdtm, exports.sdtm_metadata), by position; each
# moves into its CRF app's kind (ExportSpec.sdtm) and is then read from the registry.
# Positions: DM 10, IE 20, EX 30 (dosing), AE 40 (adverse_events), DS 50, SV 60, MH 62 (history),
# CM 64 (medications), LB 66 (labs), VS 67 (dosing), EG 68 (ecg), BE 69 (samples), TU 70,
# TR 80, RS 90 (tumours), then the trial design datasets.
_LEGACY_READERS = {
    "DM": (10, dm_records),
    "DS": (50, ds_records),
    **{
        domain: (100 + 10 * order, _design_reader(domain))
        for order, domain in enumerate(("TS", "TA", "TE", "TV", "TI"))
    },
}
_LEGACY = tuple(
    sdtm_metadata.legacy_domain(domain, reader, position=position)
    for domain, (position, reader) in _LEGACY_READERS.items()
)


def domains() -> list[SdtmDomain]:
    """Every SDTM domain of the export, in order: those the CRF kinds declare (the
    registry, review.records.sdtm_domains) and those still specified here."""
    declared = sdtm_domains()
    if both := {d.domain for d in declared} & set(_LEGACY_READERS):
        raise ValueError(f"{sorted(both)} are declared by a CRF kind and in exports.")
    return sorted((*_LEGACY, *declared), key=lambda d: (d.position, d.domain))


def domain(name: str) -> SdtmDomain:
    return next(d for d in domains() if d.domain == name)


def source_counts(subjects: QuerySet[Subject]) -> int:
    """Roughly how many records the datasets will hold (for progress)."""
    return subjects.count() * 3 + sum(
        d.count(subjects) for d in sdtm_domains() if d.count is not None
    )


def _csv_value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def _write_domain_csv(path: Path, spec: SdtmDomain, records: Iterable[dict], tick: Tick):
    """Write the CSV; returns (row count, what it learnt of the variables)."""
    variables = spec.variables
    shape = define_xml.DatasetShape(spec)
    count = 0
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv_writer(handle)
        writer.writerow([v.name for v in variables])
        for record in records:
            values = [_csv_value(record[v.name]) for v in variables]
            shape.see(values)
            writer.writerow(values)
            count += 1
            if count % 2000 == 0:
                tick(2000)
    tick(count % 2000)
    return count, shape


def _csv_rows_for_xpt(path: Path, spec: SdtmDomain, lengths: dict) -> Iterator[list]:
    """The rows of the transport file (and of the Dataset-JSON file): the CSV's text as it
    was before neutralising, ASCII, numbers as floats."""
    variables = spec.variables
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        for values in reader:
            row = []
            for variable, text in zip(variables, values, strict=True):
                value = restored(text)
                if variable.numeric:
                    row.append(float(value) if value else None)
                else:
                    row.append(ascii_text(value)[: lengths[variable.name]])
            yield row


def json_columns(shape: define_xml.DatasetShape) -> list[dataset_json.Column]:
    keys = shape.spec.keys
    lengths = shape.lengths
    return [
        dataset_json.Column(
            name=v.name,
            label=v.label,
            data_type=shape.json_type(v),
            length=None if v.numeric else lengths[v.name],
            key_sequence=keys.index(v.name) + 1 if v.name in keys else None,
        )
        for v in shape.variables
    ]


def write_sdtm_zip(
    path: Path,
    *,
    study: Study,
    subjects: QuerySet[Subject],
    manifest: dict,
    created: datetime,
    as_of: datetime,
    tick: Tick,
) -> dict:
    """The SDTM zip: per dataset the CSV, the SAS transport file and the Dataset-JSON file
    (the last two with the same rows), and the manifest. `created` is the site-local time
    the transport headers carry, `as_of` the (aware) time of the snapshot read."""
    counts, shapes = {}, []
    facts = dataset_json.FileFacts(
        study_oid=study_oid(study),
        metadata_version_oid=METADATA_VERSION_OID,
        originator=study.sponsor or "eCRF",
        system=SOURCE_SYSTEM,
        system_version=SOURCE_SYSTEM_VERSION,
        created=timezone.now(),
        database_as_of=as_of,
    )
    with (
        tempfile.TemporaryDirectory(dir=path.parent, prefix=".sdtm-") as workdir,
        zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive,
    ):
        for spec in domains():
            domain = spec.domain
            name = domain.lower()
            csv_path = Path(workdir) / f"{name}.csv"
            count, shape = _write_domain_csv(csv_path, spec, spec.records(study, subjects), tick)
            shapes.append(shape)
            lengths = shape.lengths
            archive.write(csv_path, f"{name}.csv")
            xpt_path = Path(workdir) / f"{name}.xpt"
            variables = [
                XptVariable(v.name, v.label, v.numeric, 8 if v.numeric else lengths[v.name])
                for v in spec.variables
            ]
            with open(xpt_path, "wb") as handle:
                write_xpt(
                    handle,
                    dataset=domain,
                    label=spec.label,
                    variables=variables,
                    rows=_csv_rows_for_xpt(csv_path, spec, lengths),
                    created=created,
                )
            archive.write(xpt_path, f"{name}.xpt")
            json_path = Path(workdir) / f"{name}.json"
            with open(json_path, "w", encoding="utf-8") as handle:
                dataset_json.write_dataset_json(
                    handle,
                    domain=domain,
                    label=spec.label,
                    columns=json_columns(shape),
                    rows=_csv_rows_for_xpt(csv_path, spec, lengths),
                    records=count,
                    facts=facts,
                )
            archive.write(json_path, f"{name}.json")
            counts[domain] = count
        define_path = Path(workdir) / "define.xml"
        define_xml.write_define(
            define_path,
            define_xml.StudyFacts(
                study_oid=facts.study_oid,
                metadata_version_oid=METADATA_VERSION_OID,
                protocol=study.protocol_number,
                title=study.title,
                sponsor=study.sponsor,
                system=SOURCE_SYSTEM,
                system_version=SOURCE_SYSTEM_VERSION,
                created=facts.created,
            ),
            shapes,
        )
        archive.write(define_path, "define.xml")
        archive.writestr(
            "manifest.json",
            json.dumps(
                manifest
                | {
                    "standard": {
                        "model": f"SDTM {sdtm.SDTM_VERSION}",
                        "implementation_guide": f"SDTMIG {sdtm.SDTMIG_VERSION}",
                        "dataset_json": dataset_json.VERSION,
                        "define_xml": define_xml.DEFINE_VERSION,
                    },
                    "row_counts": counts,
                },
                indent=2,
            )
            + "\n",
        )
    return counts
