"""SDTM BE (samples.sdtm): the pure record builder and the rows read from saved samples."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.utils import timezone

from review.sdtm import subject_key
from samples.sdtm import BE, SampleFacts, be_records
from samples.services import sample_stage_record, sample_void
from tests.samples.factories import RECORDED_AT, record_sample
from tests.screening.factories import PLANNED_C1D1
from trial.models import Subject

KEY = subject_key("IL22BP-LNP-001", "FR01-001", rfstdtc=date(2026, 11, 21))
COLLECTED = datetime.combine(date(2026, 11, 21), time(10, 30))  # site time, naive
SAMPLE = SampleFacts(
    sample_id="PK-0001",
    sample_type="PK",
    nominal_time="H1",
    collected_at=COLLECTED,
    visit_number=3,
    visit_name="Cycle 1 Day 1",
)


def test_a_collected_sample_is_one_event():
    (row,) = be_records(KEY, 4, SAMPLE)
    assert list(row) == [v.name for v in BE.variables]
    assert (row["BESEQ"], row["BETERM"], row["BEREFID"]) == (4, "COLLECTING", "PK-0001")
    assert (row["BECAT"], row["BESPID"]) == ("PK", "PK H1")
    assert (row["BEDTC"], row["BESTDTC"], row["BEENDTC"], row["BESTDY"]) == (
        "2026-11-21T10:30",
        "2026-11-21T10:30",
        "",
        1,
    )
    assert (row["VISITNUM"], row["VISIT"]) == (3, "Cycle 1 Day 1")


@pytest.mark.parametrize(
    "stages, terms",
    [
        ({"processed_at": COLLECTED + timedelta(minutes=40)}, ["COLLECTING", "PROCESSING"]),
        (
            {
                "processed_at": COLLECTED + timedelta(minutes=40),
                "stored_at": COLLECTED + timedelta(hours=1),
                "shipped_at": COLLECTED + timedelta(days=2),
            },
            ["COLLECTING", "PROCESSING", "STORING", "SHIPPING"],
        ),
    ],
    ids=["processed", "shipped"],
)
def test_each_handling_stage_recorded_is_an_event_in_order(stages, terms):
    rows = be_records(KEY, 1, SampleFacts(**{**SAMPLE.__dict__, **stages}))
    assert [r["BETERM"] for r in rows] == terms
    assert [r["BESEQ"] for r in rows] == list(range(1, len(terms) + 1))
    assert {r["BEDTC"] for r in rows} == {"2026-11-21T10:30"}  # the collection, on each
    assert {r["BEREFID"] for r in rows} == {"PK-0001"}
    if "shipped_at" in stages:
        assert (rows[-1]["BESTDTC"], rows[-1]["BESTDY"]) == ("2026-11-23T10:30", 3)


def test_a_sample_before_the_first_dose_has_a_negative_study_day():
    before = SampleFacts(**{**SAMPLE.__dict__, "collected_at": COLLECTED - timedelta(days=1)})
    (row,) = be_records(KEY, 1, before)
    assert row["BESTDY"] == -1


def test_rows_read_from_saved_samples(subject, coordinator_a, study):
    tz = timezone.get_current_timezone()
    pre = record_sample(subject, coordinator_a, nominal_time="PRE", sample_id="PK-0000",
                        collected_time=time(9))  # fmt: skip
    one_hour = record_sample(subject, coordinator_a)
    processed = datetime.combine(PLANNED_C1D1, time(11, 10), tzinfo=tz)
    sample_stage_record(record=one_hour, by=coordinator_a, stage="processed",
                        at=processed.astimezone(UTC), expected_version=1,
                        now=processed + timedelta(hours=1))  # fmt: skip
    voided = record_sample(subject, coordinator_a, nominal_time="H2", sample_id="PK-0002",
                           collected_time=time(11, 30))  # fmt: skip
    sample_void(record=voided, by=coordinator_a, reason="Wrong tube", expected_version=1,
                now=RECORDED_AT)  # fmt: skip

    scope = Subject.objects.filter(pk=subject.pk)
    rows = list(BE.records(study, scope))

    assert [(r["BESEQ"], r["BEREFID"], r["BETERM"]) for r in rows] == [
        (1, "PK-0000", "COLLECTING"),
        (2, "PK-0001", "COLLECTING"),
        (3, "PK-0001", "PROCESSING"),
    ]
    day = PLANNED_C1D1.isoformat()
    # The stage is stored in UTC and written on the site's clock.
    assert rows[2]["BESTDTC"] == f"{day}T11:10"
    assert rows[2]["BEDTC"] == f"{day}T10:30"
    assert rows[0]["VISIT"] == subject.visits.get(code="C1D1").name
    assert pre.pk and BE.count(scope) == 2 * 4
