"""exports.odm's pure parts, without a database."""

from datetime import UTC, date, datetime

import pytest
from django.test import override_settings
from lxml import etree

from exports.odm import _attr, _clean, _text, effective_date


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        (datetime(2026, 12, 1, 22, 59, tzinfo=UTC), date(2026, 12, 1)),  # 23:59 in Paris
        (datetime(2026, 12, 1, 23, 0, tzinfo=UTC), date(2026, 12, 2)),  # midnight in Paris
        (datetime(2026, 6, 30, 21, 59, tzinfo=UTC), date(2026, 6, 30)),  # summer time, UTC+2
        (datetime(2026, 6, 30, 22, 0, tzinfo=UTC), date(2026, 7, 1)),
    ],
    ids=["winter-before-midnight", "winter-midnight", "summer-before-midnight", "summer-midnight"],
)
@override_settings(TIME_ZONE="Europe/Paris")
def test_the_effective_date_is_the_snapshots_day_on_the_sites_clock(as_of, expected):
    assert effective_date(as_of) == expected


# The clinical data is written as text: its escaping must give the bytes lxml serialises.
AWKWARD = [
    "plain",
    "",
    "a&b<c>d\"e'f",
    "line\nbreak\rreturn\ttab",
    "é, 𝄞, \x7f, \x85, \u2028",
    "]]> &amp; already escaped",
]


@pytest.mark.parametrize("value", AWKWARD)
def test_attribute_values_are_escaped_as_lxml_serialises_them(value):
    element = etree.Element("E", {"a": value})
    assert f'<E a="{_attr(value)}"/>'.encode() == etree.tostring(element, encoding="utf-8")


@pytest.mark.parametrize("value", [*AWKWARD, "bell\x07 and vertical tab\x0b"])
def test_element_text_is_cleaned_and_escaped_as_lxml_serialises_it(value):
    element = etree.Element("E")
    element.text = _clean(value)
    assert f"<E>{_text(value)}</E>".encode() == etree.tostring(element, encoding="utf-8")
