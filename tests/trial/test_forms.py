"""The partial-date form field (trial.forms.PartialDateField), without a database."""

import pytest
from django import forms
from django.conf import settings

from trial.dates import MissingCode
from trial.forms import PartialDateField


class DatesForm(forms.Form):
    start = PartialDateField(label="Start date", codes=(MissingCode.UNK, MissingCode.NASK))
    end = PartialDateField(label="End date", required=False)


@pytest.mark.parametrize(
    ("typed", "cleaned"),
    [("2019", "2019"), (" 2019-03 ", "2019-03"), ("2019-03-14", "2019-03-14"), ("unk", "UNK")],
)
def test_partial_date_field_cleans_to_the_stored_text(typed, cleaned):
    form = DatesForm({"start": typed, "end": ""})
    assert form.is_valid(), form.errors
    assert form.cleaned_data == {"start": cleaned, "end": ""}


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"start": "03/2019"}, "start", "'03/2019' is not a date: write YYYY, YYYY-MM or"),
        ({"start": "2019-13"}, "start", "month 13 does not exist"),
        (
            {"start": "NA"},
            "start",
            "NA is not accepted here (missing-data codes allowed: UNK, NASK)",
        ),
        (
            {"start": "2019", "end": "UNK"},
            "end",
            "UNK is not accepted here (missing-data codes allowed: none)",
        ),
        ({"start": ""}, "start", "This field is required."),
    ],
)
def test_partial_date_field_names_the_field_and_keeps_the_input(data, field, message):
    form = DatesForm(data)
    assert not form.is_valid()
    assert message in " ".join(form.errors[field])
    assert form[field].value() == data[field]  # re-rendered with what was typed


def test_partial_date_field_says_which_codes_it_takes():
    assert DatesForm().fields["start"].help_text == (
        "YYYY, YYYY-MM or YYYY-MM-DD, or UNK (unknown), NASK (not asked)"
    )


def _form_classes():
    """Every form class the apps' forms modules define."""
    import importlib
    import inspect

    from django import forms as django_forms
    from django.apps import apps

    for config in apps.get_app_configs():
        if config.name not in settings.ECRF_APPS:
            continue
        try:
            module = importlib.import_module(f"{config.name}.forms")
        except ModuleNotFoundError:
            continue
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, django_forms.BaseForm) and cls.__module__ == module.__name__:
                yield cls


def test_every_date_picker_shows_a_stored_date_in_iso_form():
    """<input type="date"> shows only a YYYY-MM-DD value; a date rendered in the locale's
    format (04/04/2025) leaves the picker empty on a correction form, and the user retypes
    the date or cannot save. Every date picker must carry the ISO format (trial.forms.DATE)."""
    wrong = []
    for cls in _form_classes():
        for name, field in cls.base_fields.items():
            widget = field.widget
            if getattr(widget, "input_type", "") == "date" and widget.format != "%Y-%m-%d":
                wrong.append(f"{cls.__module__}.{cls.__name__}.{name}")
    assert wrong == []
