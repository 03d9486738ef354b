"""SAS transport files, version 5 (XPORT), the format FDA accepts for SDTM datasets.

Written from the published layout (SAS technical support document TS-140, "The record
layout of a data set in SAS transport (XPORT) format"), without SAS:

- every record is 80 bytes of ASCII; header records are fixed strings;
- each variable is described by a 140-byte NAMESTR (type, length, number, name, label,
  position in the observation), the NAMESTRs packed back to back and blank-padded;
- observations are the fixed-length values back to back: character values blank-padded,
  numbers as 8-byte IBM System/370 floating point (big-endian, base 16, 7-bit excess-64
  exponent, 56-bit fraction); a missing number is "." followed by seven zero bytes;
- the last record is padded with blanks.

Version 5 limits: names of at most 8 characters, labels of 40, character values of 200 bytes.
No Django here: `write_xpt` takes variables and rows.
"""

from __future__ import annotations

import math
import struct
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO

RECORD = 80
NAMESTR_LENGTH = 140
MAX_NAME = 8
MAX_LABEL = 40
MAX_CHAR_LENGTH = 200
MISSING = b"." + bytes(7)
SAS_VERSION = "9.4"
SAS_OS = "X64_7PRO"

LIBRARY_HEADER = "HEADER RECORD*******LIBRARY HEADER RECORD!!!!!!!" + "0" * 30 + "  "
MEMBER_HEADER = (
    "HEADER RECORD*******MEMBER  HEADER RECORD!!!!!!!" + "0" * 17 + "16" + "0" * 8 + "140  "
)
DESCRIPTOR_HEADER = "HEADER RECORD*******DSCRPTR HEADER RECORD!!!!!!!" + "0" * 30 + "  "
OBS_HEADER = "HEADER RECORD*******OBS     HEADER RECORD!!!!!!!" + "0" * 30 + "  "
_NAMESTR = struct.Struct(">hhhh8s40s8shhh2s8shhl52s")


class XportError(ValueError):
    """A name, label or value that SAS transport version 5 cannot hold."""


def ibm_float(value: float | None) -> bytes:
    """An IEEE 754 double as 8 bytes of IBM System/370 floating point (None: missing).

    The IBM fraction has 56 bits and the double 53, so every finite double within the IBM
    range (about 5.4e-79 to 7.2e75) converts exactly.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    value = float(value)
    if value == 0:
        return bytes(8)
    if math.isinf(value):
        raise XportError(f"{value} cannot be stored in SAS transport format")
    sign = 0x80 if value < 0 else 0
    mantissa, exponent = math.frexp(abs(value))  # abs(value) = mantissa * 2**exponent
    # Base 16: abs(value) = fraction * 16**hex_exponent with 1/16 <= fraction < 1.
    hex_exponent = -(-exponent // 4)
    fraction = int(mantissa * 2 ** (56 + exponent - 4 * hex_exponent))
    biased = hex_exponent + 64
    if biased > 127:
        raise XportError(f"{value} is too large for SAS transport format")
    if biased < 0:
        return bytes(8)  # below the smallest IBM number: zero
    return bytes([sign | biased]) + fraction.to_bytes(7, "big")


def float_from_ibm(data: bytes) -> float | None:
    """The inverse of `ibm_float` (None for a missing value)."""
    if len(data) != 8:
        raise XportError("an IBM double has 8 bytes")
    if not any(data[1:]) and (data[0] in (0x2E, 0x5F) or 0x41 <= data[0] <= 0x5A):
        return None  # ".", "._" and ".A"..".Z" with a zero fraction: SAS missing values
    sign = -1.0 if data[0] & 0x80 else 1.0
    exponent = (data[0] & 0x7F) - 64
    fraction = int.from_bytes(data[1:], "big")
    return sign * math.ldexp(fraction, 4 * exponent - 56)


def ascii_text(value: str) -> str:
    """Text SAS transport can hold: accents dropped, other non-ASCII characters as '?'."""
    decomposed = unicodedata.normalize("NFKD", value)
    kept = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return kept.encode("ascii", "replace").decode("ascii")


@dataclass(frozen=True)
class XptVariable:
    name: str
    label: str
    numeric: bool
    length: int = 8  # bytes: 8 for numbers, the longest value (1..200) for text

    def __post_init__(self):
        if (
            not (1 <= len(self.name) <= MAX_NAME)
            or not self.name[0].isalpha()
            and self.name[0] != "_"
        ):
            raise XportError(f"variable name {self.name!r}: 1 to 8 characters, a letter first")
        if not all(ch.isalnum() or ch == "_" for ch in self.name) or not self.name.isascii():
            raise XportError(f"variable name {self.name!r}: letters, digits and _ only")
        if len(self.label) > MAX_LABEL:
            raise XportError(f"label of {self.name} is longer than {MAX_LABEL} characters")
        if self.numeric and self.length != 8:
            raise XportError(f"numeric variable {self.name} must have length 8")
        if not self.numeric and not 1 <= self.length <= MAX_CHAR_LENGTH:
            raise XportError(f"character variable {self.name}: length 1 to {MAX_CHAR_LENGTH}")


def _sas_datetime(moment: datetime) -> str:
    return moment.strftime("%d%b%y:%H:%M:%S").upper()


def _record(text: str) -> bytes:
    data = text.encode("ascii")
    if len(data) != RECORD:
        raise AssertionError(f"header record of {len(data)} bytes")
    return data


def _padded(block: bytes) -> bytes:
    remainder = len(block) % RECORD
    return block + b" " * (RECORD - remainder) if remainder else block


def _namestr(variable: XptVariable, number: int, position: int) -> bytes:
    return _NAMESTR.pack(
        1 if variable.numeric else 2,
        0,
        variable.length,
        number,
        variable.name.upper().ljust(8).encode("ascii"),
        ascii_text(variable.label).ljust(40).encode("ascii"),
        b" " * 8,
        0,
        0,
        0,
        b"\0\0",
        b" " * 8,
        0,
        0,
        position,
        bytes(52),
    )


def write_xpt(
    stream: BinaryIO,
    *,
    dataset: str,
    label: str,
    variables: Sequence[XptVariable],
    rows: Iterable[Sequence],
    created: datetime,
) -> int:
    """Write one dataset as a transport file; returns the number of observations.

    `rows` give one value per variable: a number (or None) for numeric variables, text for
    character ones (None is blank). Text longer than the variable is refused, not cut.
    """
    if not 1 <= len(dataset) <= MAX_NAME or not dataset.isalnum():
        raise XportError(f"dataset name {dataset!r}: 1 to 8 letters or digits")
    if len(label) > MAX_LABEL:
        raise XportError(f"dataset label is longer than {MAX_LABEL} characters")
    stamp = _sas_datetime(created)
    stream.write(_record(LIBRARY_HEADER))
    stream.write(
        _record(f"{'SAS':<8}{'SAS':<8}{'SASLIB':<8}{SAS_VERSION:<8}{SAS_OS:<8}{'':<24}{stamp}")
    )
    stream.write(_record(f"{stamp}{'':<64}"))
    stream.write(_record(MEMBER_HEADER))
    stream.write(_record(DESCRIPTOR_HEADER))
    stream.write(
        _record(
            f"{'SAS':<8}{dataset.upper():<8}{'SASDATA':<8}{SAS_VERSION:<8}{SAS_OS:<8}{'':<24}{stamp}"
        )
    )
    stream.write(_record(f"{stamp}{'':<16}{ascii_text(label):<40}{'':<8}"))
    stream.write(
        _record(
            "HEADER RECORD*******NAMESTR HEADER RECORD!!!!!!!"
            + f"000000{len(variables):04d}"
            + "0" * 20
            + "  "
        )
    )
    position = 0
    namestrs = bytearray()
    for number, variable in enumerate(variables, start=1):
        namestrs += _namestr(variable, number, position)
        position += variable.length
    stream.write(_padded(bytes(namestrs)))
    stream.write(_record(OBS_HEADER))

    observation_length = position
    written = 0
    pending = bytearray()
    for row in rows:
        for variable, value in zip(variables, row, strict=True):
            if variable.numeric:
                pending += ibm_float(None if value is None or value == "" else float(value))
            else:
                data = ascii_text("" if value is None else str(value)).encode("ascii")
                if len(data) > variable.length:
                    raise XportError(
                        f"{variable.name}: value of {len(data)} bytes exceeds its length "
                        f"{variable.length}"
                    )
                pending += data.ljust(variable.length, b" ")
        written += 1
        if len(pending) >= 64 * 1024:
            cut = len(pending) - len(pending) % RECORD
            stream.write(bytes(pending[:cut]))
            del pending[:cut]
    if written == 0 and observation_length == 0:
        return 0
    stream.write(_padded(bytes(pending)))
    return written
