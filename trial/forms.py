"""Forms of the trial app, and what every form view does with a service's ValidationError."""

from django import forms
from django.core.exceptions import ValidationError

from trial.models import Subject
from trial.services import SUBJECT_EDITABLE_FIELDS


def add_service_errors(form, error: ValidationError) -> None:
    """Show a service's errors on the form: under their field when the form has it, else at
    the top. A service may raise a dict of field errors or plain messages (no field)."""
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


REASON = forms.CharField(
    label="Reason",
    max_length=2000,
    widget=forms.Textarea(attrs={"rows": 2}),
    help_text="Kept in the audit trail with your name and the time.",
)


class SubjectVoidForm(forms.Form):
    reason = REASON


class SubjectCorrectForm(forms.ModelForm):
    """The registration data a data manager may correct (trial.services.subject_update)."""

    reason = REASON

    class Meta:
        model = Subject
        fields = list(SUBJECT_EDITABLE_FIELDS)
        widgets = {"date_of_birth": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def _post_clean(self):
        # The service validates and saves; the form only parses (its instance is not saved).
        return

    def changes(self) -> dict:
        return {name: self.cleaned_data[name] for name in SUBJECT_EDITABLE_FIELDS}
