"""Medication forms: input shape only; medications.rules says what may be saved."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Fieldset, Layout
from django import forms

from adverse_events.models import AdverseEvent
from history.models import MedicalHistory
from medications import rules
from medications.models import ConcomitantMedication
from medications.services import CM_FIELDS
from trial.dates import MISSING_CODE_CHOICES
from trial.forms import PartialDateField


class MedicationForm(forms.ModelForm):
    start_date = PartialDateField(label="Start date", codes=rules.START_CODES)
    end_date = PartialDateField(label="End date", codes=rules.END_CODES, required=False)
    dose_code = forms.ChoiceField(
        label="or dose missing",
        required=False,
        choices=[("", "—"), *[c for c in MISSING_CODE_CHOICES if c[0] == "UNK"]],
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    reason = forms.CharField(
        required=False, label="Reason for change", widget=forms.Textarea(attrs={"rows": 2})
    )

    class Meta:
        model = ConcomitantMedication
        fields = list(CM_FIELDS)

    def __init__(self, *args, subject, editing: bool, **kwargs):
        super().__init__(*args, **kwargs)
        # Only this subject's own AEs and conditions can be the indication.
        self.fields["indication_ae"].queryset = AdverseEvent.objects.filter(
            subject=subject, voided_at__isnull=True
        )
        self.fields["indication_ae"].label_from_instance = lambda ae: (
            f"AE{ae.sequence} {ae.display_term} ({ae.onset_date:%Y-%m-%d})"
        )
        self.fields["indication_history"].queryset = MedicalHistory.objects.filter(
            subject=subject, voided_at__isnull=True
        )
        self.fields["indication_history"].label_from_instance = lambda mh: mh.title
        if self.instance.pk:
            self.initial["version"] = self.instance.version
        else:
            self.initial.setdefault("ongoing", True)
        if not editing:
            del self.fields["reason"]
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            "version",
            Fieldset(
                "Medication",
                "medication",
                Div(
                    Div("dose", css_class="col-md-3"),
                    Div("dose_code", css_class="col-md-3"),
                    Div("dose_unit", css_class="col-md-2"),
                    Div("route", css_class="col-md-2"),
                    Div("frequency", css_class="col-md-2"),
                    css_class="row",
                ),
            ),
            Fieldset(
                "Indication (free text, or the subject's AE or condition)",
                "indication",
                Div(
                    Div("indication_ae", css_class="col-md-6"),
                    Div("indication_history", css_class="col-md-6"),
                    css_class="row",
                ),
            ),
            Fieldset(
                "Dates (partial dates accepted: 2019, 2019-03)",
                Div(
                    Div("start_date", css_class="col-md-4"),
                    Div("ongoing", css_class="col-md-4 pt-md-4"),
                    Div("end_date", css_class="col-md-4"),
                    css_class="row",
                ),
            ),
            Fieldset("Prohibited after consent", "immunosuppressive", "investigational"),
            *([Fieldset("Reason for change", "reason")] if editing else []),
        )

    def _post_clean(self):
        # medications.services applies the rules and names the field each concerns.
        return

    def values(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in CM_FIELDS}
