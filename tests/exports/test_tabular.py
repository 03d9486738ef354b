"""The CSV of a dataset written by PostgreSQL's COPY is the Python writer's, byte for byte."""

import csv
import io
from datetime import UTC, date, datetime

import pytest
from django.db.models import TextField, Value

from adverse_events.models import AdverseEvent
from exports.crfs import Neutralised, crf_specs
from exports.selectors import ExportScope, subjects_in
from exports.tabular import write_crf_csv
from tests.trial.test_spreadsheet import NEUTRALISED_CASES
from trial.audit import audit_context
from trial.models import Site
from trial.spreadsheet import neutralised

# Text a spreadsheet or a CSV reader trips on, and what the formula rule must get right.
AWKWARD = [
    '=HYPERLINK("http://x","open")',
    "+1+cmd|' /C calc'!A0",
    "-2 cycles",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
    "'=1+1",
    "-30",
    "-1e-05",
    "-30 %",
    "-٣",
    "'t Hooft",
    'said "no", twice',
    "line one\nline two",
    "line one\r\nline two\r\n",
    "ends in a comma,",
    "Übelkeit – 恶心 — naïve",
    "C:\\temp\\x",
    "\\.",
    " padded ",
    "",
]


def _csv(crf, subjects, *, copy: bool) -> tuple[bytes, int]:
    handle, ticks = io.BytesIO(), []
    rows = write_crf_csv(handle, crf, subjects, ticks.append, copy=copy)
    assert sum(ticks) == rows
    return handle.getvalue(), rows


def _dataset(name):
    return next(c for c in crf_specs() if c.name == name)


def _every_site(data):
    return subjects_in(ExportScope(tuple(Site.objects.values_list("code", flat=True))))


@pytest.fixture
def awkward_aes(data):
    """The AEs holding the awkward texts, empty values, NULLs, and one voided."""
    events = list(AdverseEvent.objects.order_by("subject__screening_number", "sequence"))
    assert len(events) >= 3
    with audit_context(by=data.users["coord_a"], reason="Awkward values for the COPY test"):
        for i, ae in enumerate(events):
            texts = AWKWARD[i :: len(events)]
            AdverseEvent.objects.filter(pk=ae.pk).update(
                verbatim_term=texts[0],
                treatment_given="".join(texts[1:2]),
                void_reason="|".join(texts[2:]),
                dlt_candidate_reason=texts[-1],
                serious_criteria=texts[:2] if i % 2 else [],
                relationship="" if i == 0 else ae.relationship,
                dlt=None if i == 0 else bool(i % 2),
                end_date=None if i == 0 else date(2026, 2, 28),
                relationship_at=None if i == 0 else datetime(2026, 3, 1, 23, 59, 59, 999999, UTC),
                voided_at=datetime(2026, 3, 2, 8, 0, tzinfo=UTC) if i == 1 else None,
            )
    return events


def test_adverse_events_copy_is_the_python_writers_csv_byte_for_byte(data, awkward_aes):
    crf = _dataset("adverse_events")
    assert crf.copyable
    ours, count = _csv(crf, _every_site(data), copy=True)
    python, python_count = _csv(crf, _every_site(data), copy=False)
    assert ours == python
    assert count == python_count == len(awkward_aes)
    rows = list(csv.DictReader(io.StringIO(ours.decode("utf-8"), newline="")))
    terms = {int(r["record_id"]): r["verbatim_term"] for r in rows}
    assert terms[awkward_aes[0].pk] == "'" + AWKWARD[0]
    assert any(r["voided_at"] for r in rows)  # a voided AE is exported, marked
    assert ours.count(b"\r\n") >= count + 1


def test_copy_keeps_the_export_scope(data, awkward_aes):
    crf = _dataset("adverse_events")
    one_site = subjects_in(ExportScope((data.site_a.code,)))
    ours, count = _csv(crf, one_site, copy=True)
    assert ours == _csv(crf, one_site, copy=False)[0]
    assert count == AdverseEvent.objects.filter(subject__in=one_site).count() < len(awkward_aes)


def test_every_copyable_dataset_gives_the_python_writers_bytes(data, awkward_aes):
    copied = [crf for crf in crf_specs() if crf.copyable]
    assert {"subjects", "visits", "adverse_events", "queries"} <= {c.name for c in copied}
    for crf in copied:
        assert _csv(crf, _every_site(data), copy=True) == _csv(
            crf, _every_site(data), copy=False
        ), crf.name


def test_datasets_printed_differently_by_postgresql_stay_in_python():
    """Floats (1.0), times (microseconds), JSON and exploded lists are not copied."""
    specs = {crf.name: crf for crf in crf_specs([("anc", "ANC")])}
    for name in ("dosing", "tumour_assessments", "eligibility_findings", "ecgs", "eligibility"):
        assert not specs[name].copyable, name


@pytest.mark.parametrize("value", [v for v, _ in NEUTRALISED_CASES if isinstance(v, str)] + AWKWARD)
def test_sql_neutralisation_is_the_python_one(data, value):
    cell = (
        Site.objects.annotate(cell=Neutralised(Value(value, output_field=TextField())))
        .values_list("cell", flat=True)
        .first()
    )
    assert cell == (neutralised(value) or None)
