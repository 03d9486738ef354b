"""Template filters for showing stored values as people write them."""

from decimal import Decimal, InvalidOperation

from django import template

register = template.Library()


@register.filter
def plain_number(value) -> str:
    """100 and 1.5, never 1E+2 or 100.000 (Decimal.normalize() alone writes an exponent)."""
    if value is None or value == "":
        return ""
    try:
        return format(Decimal(value).normalize(), "f")
    except (InvalidOperation, TypeError, ValueError):
        return str(value)


@register.filter
def humanize_code(value) -> str:
    """A stored code in words: "not_started" -> "not started"."""
    return str(value).replace("_", " ") if value is not None else ""
