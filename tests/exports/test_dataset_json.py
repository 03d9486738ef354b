"""exports.dataset_json without a database: values, layout, record count."""

import io
import json
from datetime import UTC, datetime

import pytest

from exports import dataset_json
from tests.exports import sdtm_checks

FACTS = dataset_json.FileFacts(
    study_oid="STUDY.X",
    metadata_version_oid="MDV.SDTM",
    originator="Sponsor",
    system="eCRF",
    system_version="1.0",
    created=datetime(2026, 12, 1, 14, 30, 5, tzinfo=UTC),
    database_as_of=datetime(2026, 12, 1, 14, 30, tzinfo=UTC),
)
COLUMNS = [
    dataset_json.Column("USUBJID", "Unique Subject Identifier", "string", 8, key_sequence=1),
    dataset_json.Column("AESEQ", "Sequence Number", "integer", key_sequence=2),
    dataset_json.Column("EXDOSE", "Dose", "double"),
    dataset_json.Column("AESTDTC", "Start Date/Time", "datetime", 16),
]


def written(rows, records=None) -> dict:
    stream = io.StringIO()
    dataset_json.write_dataset_json(
        stream,
        domain="AE",
        label="Adverse Events",
        columns=COLUMNS,
        rows=rows,
        records=len(rows) if records is None else records,
        facts=FACTS,
    )
    return json.loads(stream.getvalue())


@pytest.mark.parametrize(
    ("value", "data_type", "expected"),
    [
        (None, "string", None),
        ("", "string", None),
        ("", "integer", None),
        (None, "double", None),
        ("X", "string", "X"),
        (3.0, "integer", 3),
        (-1.0, "integer", -1),
        (0.0, "integer", 0),
        (2.5, "double", 2.5),
        (25.0, "double", 25.0),
        ("2026-11-23", "date", "2026-11-23"),
    ],
)
def test_values(value, data_type, expected):
    result = dataset_json.json_value(value, data_type)
    assert result == expected and type(result) is type(expected)


@pytest.mark.parametrize(("value", "data_type"), [(2.5, "integer"), (float("nan"), "double")])
def test_a_value_its_type_cannot_hold_is_refused(value, data_type):
    with pytest.raises(ValueError):
        dataset_json.json_value(value, data_type)


def test_file_is_valid_dataset_json_with_metadata_before_rows():
    document = written([["S-1", 1.0, 25.0, "2026-11-23T10:05"], ["S-1", 2.0, None, ""]])
    assert list(sdtm_checks.dataset_json_validator().iter_errors(document)) == []
    assert list(document)[-1] == "rows" and document["records"] == 2
    assert document["rows"] == [["S-1", 1, 25.0, "2026-11-23T10:05"], ["S-1", 2, None, None]]
    assert document["datasetJSONCreationDateTime"] == "2026-12-01T14:30:05Z"
    assert document["itemGroupOID"] == "IG.AE" and document["metaDataRef"] == "define.xml"
    assert document["columns"][0] == {
        "itemOID": "IT.AE.USUBJID",
        "name": "USUBJID",
        "label": "Unique Subject Identifier",
        "dataType": "string",
        "length": 8,
        "keySequence": 1,
    }
    assert "length" not in document["columns"][1]


def test_empty_dataset_is_valid():
    document = written([])
    assert document["rows"] == [] and document["records"] == 0
    assert list(sdtm_checks.dataset_json_validator().iter_errors(document)) == []


def test_a_row_count_other_than_announced_is_refused():
    with pytest.raises(ValueError, match="1 rows written, 2 announced"):
        written([["S-1", 1.0, None, ""]], records=2)
