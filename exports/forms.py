"""The export form: what to export and which subjects (input shape only)."""

from django import forms

from exports.models import ExportFormat
from trial.models import SubjectStatus

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ExportForm(forms.Form):
    format = forms.ChoiceField(choices=ExportFormat.choices, widget=forms.RadioSelect)
    sites = forms.MultipleChoiceField(
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None ticked: every site you may export.",
    )
    statuses = forms.MultipleChoiceField(
        label="Subject status",
        required=False,
        choices=SubjectStatus.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="None ticked: every status.",
    )
    date_from = forms.DateField(
        label="Registered from",
        required=False,
        widget=DATE,
        help_text="For the audit trail: changes made from this date.",
    )
    date_to = forms.DateField(label="Registered until", required=False, widget=DATE)

    def __init__(self, *args, sites, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sites"].choices = [(s.code, f"{s.code} {s.name}") for s in sites]

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", f"The range ends ({end}) before it starts ({start}).")
        return data
