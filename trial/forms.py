"""Forms of the trial app, and what every form view does with a service's ValidationError."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError

from trial.dates import MissingCode, PartialDate, missing_code

# The browser's date picker, sending and showing ISO dates.
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def add_service_errors(form, error: ValidationError) -> None:
    """Show a service's errors on the form: under their field when the form has it, else at
    the top. A service may raise a dict of field errors or plain messages (no field)."""
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def add_service_messages(request, error: ValidationError) -> None:
    """Show a service's errors as messages, for an action posted without a form of its own
    (a button on another page)."""
    for message in error.messages:
        messages.error(request, message)


class PartialDateField(forms.CharField):
    """A date known to the year, month or day (2019, 2019-03, 2019-03-14), or, when `codes`
    are allowed, a missing-data code (UNK, NA, ND, NASK). Cleans to the normalised text the
    model stores; whether the date is plausible or in order is the CRF's rules' to say."""

    def __init__(self, *, codes: tuple[MissingCode, ...] = (), **kwargs):
        self.codes = tuple(codes)
        kwargs.setdefault("max_length", 10)
        hint = "YYYY, YYYY-MM or YYYY-MM-DD"
        if self.codes:
            hint += ", or " + ", ".join(f"{c.value} ({c.label})" for c in self.codes)
        kwargs.setdefault("help_text", hint)
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("placeholder", "YYYY-MM-DD")

    def clean(self, value):
        text = super().clean(value).strip()
        if not text:
            return ""
        code = missing_code(text)
        if code is not None:
            if code not in self.codes:
                allowed = ", ".join(c.value for c in self.codes) or "none"
                raise ValidationError(
                    f"{code.value} is not accepted here (missing-data codes allowed: {allowed}).",
                    code="code_not_allowed",
                )
            return code.value
        try:
            return PartialDate.parse(text).iso()
        except ValueError as error:
            raise ValidationError(str(error), code="partial_date") from None
