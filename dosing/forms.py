from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Fieldset, Layout
from django import forms

from dosing.models import DosingRecord
from dosing.services import DOSING_FIELDS
from trial.forms import DATE

TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


def _vitals(when):
    names = [
        f"{when}_{v}"
        for v in (
            "temperature_c",
            "pulse_bpm",
            "systolic_mmhg",
            "diastolic_mmhg",
            "respiratory_rate",
            "spo2_pct",
        )
    ]
    return Div(*[Div(n, css_class="col-md-4") for n in names], css_class="row")


class DosingForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    reason = forms.CharField(
        required=False,
        label="Reason for change",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Required when correcting a saved form; kept in the audit trail.",
    )

    class Meta:
        model = DosingRecord
        fields = list(DOSING_FIELDS)
        widgets = {
            "administered_on": DATE,
            "start_time": TIME,
            "stop_time": TIME,
            "dose_change_reason": forms.Textarea(attrs={"rows": 2}),
            "deviation_reason": forms.Textarea(attrs={"rows": 2}),
            "immediate_reaction": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, subject, editing, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["dose_level"].queryset = subject.study.dose_levels.all()
        # The unit is the dose level's (study file): shown, never typed (dosing.services).
        self.fields["dose_unit"].disabled = True
        self.fields["dose_unit"].help_text = "The unit of the dose level (study file)."
        if not self.instance.pk and subject.dose_level:
            # A new form starts from the subject's assigned dose.
            self.initial["dose_level"] = subject.dose_level_id
            self.initial["dose_amount"] = subject.dose_level.dose_amount
            self.initial["dose_unit"] = subject.dose_level.dose_unit
        else:
            self.initial["version"] = self.instance.version
        if not editing:
            del self.fields["reason"]
        women = subject.sex == "F"
        if not women:
            del self.fields["pregnancy_test"]
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            "version",
            Fieldset(
                "Dose",
                Div(
                    Div("dose_change", css_class="col-md-6"),
                    Div("dose_change_reason", css_class="col-md-6"),
                    Div("administered_on", css_class="col-md-4"),
                    Div("start_time", css_class="col-md-4"),
                    Div("stop_time", css_class="col-md-4"),
                    Div("dose_level", css_class="col-md-3"),
                    Div("dose_amount", css_class="col-md-3"),
                    Div("dose_unit", css_class="col-md-3"),
                    Div("volume_ml", css_class="col-md-3"),
                    Div("route", css_class="col-md-4"),
                    Div("injected_lesions", css_class="col-md-4"),
                    Div("lot_number", css_class="col-md-4"),
                    css_class="row",
                ),
                "deviation_reason",
            ),
            Fieldset("Vital signs before the dose", _vitals("pre")),
            Fieldset("Vital signs after the dose", _vitals("post")),
            Fieldset(
                "Reactions" + (" and pregnancy test" if women else ""),
                "immediate_reaction",
                *(["pregnancy_test"] if women else []),
            ),
            *([Fieldset("Reason for change", "reason")] if editing else []),
        )

    def _post_clean(self):
        # No model validation here: dosing.services checks every rule and names the field it
        # concerns (the model's constraints stay the database's last word). The form only
        # parses input; its values go to the service, not to self.instance.
        return

    def values(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in DOSING_FIELDS}


class DoseVoidForm(forms.Form):
    reason = forms.CharField(label="Reason (entered in error, wrong subject, ...)", max_length=500)
