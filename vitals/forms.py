"""The vital signs form: input shape only; vitals.services applies the rules and names the
field each concerns."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Fieldset, Layout
from django import forms

from trial.forms import DATE
from vitals.models import VitalSigns
from vitals.services import VITALS_FIELDS


class VitalSignsForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    reason = forms.CharField(
        required=False, label="Reason for change", widget=forms.Textarea(attrs={"rows": 2})
    )

    class Meta:
        model = VitalSigns
        fields = list(VITALS_FIELDS)
        widgets = {
            "measured_on": DATE,
            "measured_time": forms.TimeInput(attrs={"type": "time"}),
        }

    def __init__(self, *args, editing: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["version"] = self.instance.version
        if not editing:
            del self.fields["reason"]
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            "version",
            Fieldset(
                "Measured",
                Div(
                    Div("measured_on", css_class="col-md-4"),
                    Div("measured_time", css_class="col-md-4"),
                    css_class="row",
                ),
            ),
            Fieldset(
                "Vital signs (at least one)",
                Div(
                    *(Div(name, css_class="col-md-2") for name in VITALS_FIELDS[2:]),
                    css_class="row",
                ),
            ),
            *([Fieldset("Reason for change", "reason")] if editing else []),
        )

    def _post_clean(self):
        # vitals.services applies the rules and names the field each concerns.
        return

    def values(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in VITALS_FIELDS}
