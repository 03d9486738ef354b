"""Sample forms: input shape only; samples.services checks the schedule, the dose and the
order of the handling stages."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Fieldset, Layout
from django import forms

from samples.models import Sample
from samples.services import SAMPLE_FIELDS
from samples.timing import STAGES
from trial.forms import DATE


class SampleForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    reason = forms.CharField(
        required=False, label="Reason for change", widget=forms.Textarea(attrs={"rows": 2})
    )

    class Meta:
        model = Sample
        fields = list(SAMPLE_FIELDS)
        widgets = {
            "collected_on": DATE,
            "collected_time": forms.TimeInput(attrs={"type": "time"}),
        }

    def __init__(self, *args, editing: bool, scheduled=(), **kwargs):
        super().__init__(*args, **kwargs)
        types = dict.fromkeys((s.type_code, s.type_label) for s in scheduled)
        times = dict.fromkeys((s.time_code, s.time_label) for s in scheduled)
        self.fields["sample_type"] = forms.ChoiceField(
            label="Sample type", choices=[("", "---------"), *types]
        )
        self.fields["nominal_time"] = forms.ChoiceField(
            label="Nominal time", choices=[("", "---------"), *times]
        )
        if self.instance.pk:
            self.initial["version"] = self.instance.version
        if not editing:
            del self.fields["reason"]
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            "version",
            Fieldset(
                "Sample",
                Div(
                    *(Div(name, css_class="col-md-2") for name in SAMPLE_FIELDS),
                    css_class="row",
                ),
            ),
            *([Fieldset("Reason for change", "reason")] if editing else []),
        )

    def _post_clean(self):
        # samples.services applies the rules and names the field each concerns.
        return

    def values(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in SAMPLE_FIELDS}


class StageForm(forms.Form):
    stage = forms.ChoiceField(choices=[(s, s.capitalize()) for s in STAGES])
    at = forms.DateTimeField(
        label="When", widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    reference = forms.CharField(
        required=False, max_length=100, label="Shipment reference (waybill, manifest)"
    )
    version = forms.IntegerField(widget=forms.HiddenInput)
