"""SAS transport v5: IBM floats and the file layout, checked with a reader written here."""

import io
import math
import struct
from datetime import date, datetime, time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exports.xport import XportError, XptVariable, float_from_ibm, ibm_float, write_xpt

CREATED = datetime.combine(date(2026, 11, 27), time(14, 5, 9))


def ibm_to_python(data: bytes) -> float | None:
    """An independent decoder: sign bit, excess-64 base-16 exponent, 56-bit fraction."""
    if data[0] == 0x2E and not any(data[1:]):
        return None
    sign = -1 if data[0] & 0x80 else 1
    exponent = (data[0] & 0x7F) - 64
    fraction = int.from_bytes(data[1:8], "big") / 2**56
    return sign * fraction * 16.0**exponent


def read_xpt(data: bytes):
    """(dataset name, label, [(name, label, numeric, length)], rows) of a transport file."""
    assert len(data) % 80 == 0, "a transport file is made of 80-byte records"
    records = [data[i : i + 80] for i in range(0, len(data), 80)]
    assert records[0] == b"HEADER RECORD*******LIBRARY HEADER RECORD!!!!!!!" + b"0" * 30 + b"  "
    assert records[1].startswith(b"SAS     SAS     SASLIB  ")
    assert records[3].startswith(b"HEADER RECORD*******MEMBER  HEADER RECORD!!!!!!!")
    assert records[3][75:78] == b"140", "NAMESTR records are 140 bytes"
    assert records[4].startswith(b"HEADER RECORD*******DSCRPTR HEADER RECORD!!!!!!!")
    dataset = records[5][8:16].decode().strip()
    label = records[6][32:72].decode().strip()
    assert records[7].startswith(b"HEADER RECORD*******NAMESTR HEADER RECORD!!!!!!!")
    count = int(records[7][54:58])
    start = 8 * 80
    variables, position = [], 0
    for i in range(count):
        chunk = data[start + i * 140 : start + (i + 1) * 140]
        ntype, _hash, length, number, name, var_label = struct.unpack(">hhhh8s40s", chunk[:56])
        npos = struct.unpack(">l", chunk[84:88])[0]
        assert number == i + 1 and npos == position
        position += length
        variables.append((name.decode().strip(), var_label.decode().strip(), ntype == 1, length))
    obs_record = 8 + math.ceil(count * 140 / 80)
    assert records[obs_record].startswith(b"HEADER RECORD*******OBS     HEADER RECORD!!!!!!!")
    body = data[(obs_record + 1) * 80 :]
    rows = []
    for offset in range(0, len(body) - position + 1, position):
        raw = body[offset : offset + position]
        if not raw.strip(b" "):
            break  # the blank padding of the last record
        row, at = [], 0
        for _name, _label, numeric, length in variables:
            value = raw[at : at + length]
            row.append(ibm_to_python(value) if numeric else value.decode("ascii").rstrip())
            at += length
        rows.append(row)
    return dataset, label, variables, rows


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1.0, "4110000000000000"),
        (-118.625, "C276A00000000000"),  # the classic IBM System/370 example
        (0.0, "0000000000000000"),
        (None, "2E00000000000000"),
        (100.0, "4264000000000000"),
    ],
)
def test_known_ibm_encodings(value, expected):
    assert ibm_float(value).hex().upper() == expected


MAGNITUDES = st.floats(min_value=1e-70, max_value=1e70, allow_nan=False, allow_infinity=False)


@settings(max_examples=300, deadline=None, database=None)
@given(st.one_of(st.just(0.0), MAGNITUDES, MAGNITUDES.map(lambda v: -v)))
def test_every_double_in_range_round_trips_exactly(value):
    encoded = ibm_float(value)
    assert len(encoded) == 8
    assert float_from_ibm(encoded) == value
    assert ibm_to_python(encoded) == pytest.approx(value, rel=1e-15)


def test_missing_number_reads_back_as_missing():
    assert float_from_ibm(ibm_float(None)) is None
    assert float_from_ibm(ibm_float(float("nan"))) is None


def test_infinity_is_refused():
    with pytest.raises(XportError):
        ibm_float(float("inf"))


def _ae_like():
    return [
        XptVariable("USUBJID", "Unique Subject Identifier", False, 12),
        XptVariable("AESEQ", "Sequence Number", True),
        XptVariable("AETERM", "Reported Term for the Adverse Event", False, 20),
        XptVariable("AESTDY", "Study Day of Start of Adverse Event", True),
    ]


def test_file_layout_names_labels_and_values_read_back():
    stream = io.BytesIO()
    rows = [["FR01-001", 1, "Fever", 3], ["FR01-001", 2, "Fatigue", None], ["FR02-001", 1, "", -2]]
    written = write_xpt(
        stream,
        dataset="AE",
        label="Adverse Events",
        variables=_ae_like(),
        rows=rows,
        created=CREATED,
    )
    assert written == 3
    dataset, label, variables, read = read_xpt(stream.getvalue())
    assert (dataset, label) == ("AE", "Adverse Events")
    assert [(v[0], v[2], v[3]) for v in variables] == [
        ("USUBJID", False, 12),
        ("AESEQ", True, 8),
        ("AETERM", False, 20),
        ("AESTDY", True, 8),
    ]
    assert variables[2][1] == "Reported Term for the Adverse Event"
    assert read == [
        ["FR01-001", 1.0, "Fever", 3.0],
        ["FR01-001", 2.0, "Fatigue", None],
        ["FR02-001", 1.0, "", -2.0],
    ]


def test_header_carries_the_creation_datetime_in_sas_format():
    stream = io.BytesIO()
    write_xpt(stream, dataset="DM", label="", variables=_ae_like(), rows=[], created=CREATED)
    assert stream.getvalue()[80 + 64 : 80 + 80] == b"27NOV26:14:05:09"


def test_non_ascii_text_is_transliterated():
    stream = io.BytesIO()
    variables = [XptVariable("EXDOSU", "Dose Units", False, 10)]
    write_xpt(
        stream, dataset="EX", label="", variables=variables, rows=[["Zürich"]], created=CREATED
    )
    assert read_xpt(stream.getvalue())[3] == [["Zurich"]]


@pytest.mark.parametrize(
    "variable",
    [
        lambda: XptVariable("AESTDTC_LONG", "Too long a name", False, 10),
        lambda: XptVariable("1AE", "Starts with a digit", False, 10),
        lambda: XptVariable("AETERM", "x" * 41, False, 10),
        lambda: XptVariable("AESEQ", "Numbers are 8 bytes", True, 4),
        lambda: XptVariable("AETERM", "Text is at most 200", False, 201),
    ],
    ids=["name>8", "digit-first", "label>40", "short-number", "text>200"],
)
def test_what_version_5_cannot_hold_is_refused(variable):
    with pytest.raises(XportError):
        variable()


def test_value_longer_than_its_variable_is_refused_not_cut():
    with pytest.raises(XportError, match="exceeds"):
        write_xpt(
            io.BytesIO(),
            dataset="AE",
            label="",
            variables=[XptVariable("AETERM", "Term", False, 3)],
            rows=[["Fever"]],
            created=CREATED,
        )
