"""SDTM datasets from the CRFs: each domain as its CRF kind declares it (review.records).

Each domain is written as CSV, then the CSV (whose longest value per variable is now known)
is converted to SAS transport v5 and to Dataset-JSON v1.1 (the same rows); all three go
into one zip with define.xml (Define-XML 2.1, from what the CSV pass learnt of each
variable) and a manifest. Rows are sorted by
USUBJID (byte order) and --SEQ restarts at 1 for each subject.
"""

from __future__ import annotations

import csv
import json
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from pathlib import Path

from django.db.models import QuerySet
from django.utils import timezone

from exports import dataset_json, define_xml
from exports.xport import XptVariable, ascii_text, write_xpt
from review import sdtm
from review.records import sdtm_domains
from review.sdtm import SdtmDomain
from trial.models import Study, Subject
from trial.spreadsheet import csv_writer, restored

Tick = Callable[[int], None]
SOURCE_SYSTEM = "IL-22BP/LNP eCRF"
SOURCE_SYSTEM_VERSION = "1.0"
METADATA_VERSION_OID = "MDV.SDTM"


def study_oid(study: Study) -> str:
    """The study's OID in define.xml and the Dataset-JSON files."""
    return f"ST.{study.protocol_number}"


def domains() -> list[SdtmDomain]:
    """Every SDTM domain of the export, in order: those the CRF kinds declare (the registry,
    review.records.sdtm_domains), subject datasets first, then the trial design."""
    return sorted(sdtm_domains(), key=lambda d: (d.position, d.domain))


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
