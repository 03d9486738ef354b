"""The ECG form: input shape only; ecg.services checks physiology, averages and grades."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Fieldset, Layout
from django import forms

from ecg.models import READING_FIELDS, READINGS, Electrocardiogram
from ecg.services import ECG_FIELDS
from trial.forms import DATE


class EcgForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    reason = forms.CharField(
        required=False, label="Reason for change", widget=forms.Textarea(attrs={"rows": 2})
    )

    class Meta:
        model = Electrocardiogram
        fields = list(ECG_FIELDS)
        widgets = {
            "performed_on": DATE,
            "performed_time": forms.TimeInput(attrs={"type": "time"}),
            "abnormality": forms.Textarea(attrs={"rows": 2}),
        }
        help_texts = {
            "abnormality": "Required when the ECG is abnormal.",
        }

    def __init__(self, *args, editing: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["version"] = self.instance.version
        if not editing:
            del self.fields["reason"]
        self.fields["rr_ms_1"].help_text = "Empty: read from the heart rate (60000 / HR)."
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            "version",
            Fieldset(
                "Recording",
                Div(
                    Div("time_point", css_class="col-md-4"),
                    Div("performed_on", css_class="col-md-4"),
                    Div("performed_time", css_class="col-md-4"),
                    css_class="row",
                ),
            ),
            *(
                Fieldset(
                    f"Reading {number}" + (" (optional)" if number > 1 else ""),
                    Div(
                        *(Div(f"{name}_{number}", css_class="col-md-2") for name in READING_FIELDS),
                        css_class="row",
                    ),
                )
                for number in range(1, READINGS + 1)
            ),
            Fieldset("Interpretation", "interpretation", "abnormality"),
            *([Fieldset("Reason for change", "reason")] if editing else []),
        )

    def _post_clean(self):
        # ecg.services applies the rules and names the field each concerns.
        return

    def values(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in ECG_FIELDS}
