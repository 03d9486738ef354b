from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Fieldset, Layout
from django import forms

from dosing.models import DispositionKind, DosingRecord
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


class DispositionForm(forms.Form):
    kind = forms.ChoiceField(choices=DispositionKind.choices)
    event_date = forms.DateField(label="Date", widget=DATE)
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class BaselineForm(forms.Form):
    """Up to five target lesions, chosen and measured at baseline."""

    ROWS = 5
    assessment_date = forms.DateField(widget=DATE)
    method = forms.CharField(initial="CT", max_length=30)
    non_target = forms.ChoiceField(
        choices=[
            ("non_cr_non_pd", "Non-target lesions present"),
            ("not_present", "No non-target lesions"),
        ],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for i in range(1, self.ROWS + 1):
            self.fields[f"lesion_{i}_organ"] = forms.CharField(
                required=False, max_length=60, label=f"T{i} organ"
            )
            self.fields[f"lesion_{i}_location"] = forms.CharField(
                required=False, max_length=200, label=f"T{i} location"
            )
            self.fields[f"lesion_{i}_node"] = forms.BooleanField(
                required=False, label=f"T{i} is a lymph node (short axis)"
            )
            self.fields[f"lesion_{i}_diameter"] = forms.DecimalField(
                required=False,
                min_value=0,
                max_digits=6,
                decimal_places=1,
                label=f"T{i} diameter (mm)",
            )
        # The lesion table shows its column headers instead of labels: the inputs carry
        # their label for assistive technology.
        for name, field in self.fields.items():
            if name.startswith("lesion_"):
                field.widget.attrs.setdefault("aria-label", field.label)

    def rows(self):
        return [
            [self[f"lesion_{i}_{part}"] for part in ("organ", "location", "node", "diameter")]
            for i in range(1, self.ROWS + 1)
        ]

    def clean(self):
        data = super().clean()
        lesions = []
        for i in range(1, self.ROWS + 1):
            organ, diameter = data.get(f"lesion_{i}_organ"), data.get(f"lesion_{i}_diameter")
            if not organ and diameter is None:
                continue
            if not organ or diameter is None:
                raise forms.ValidationError(f"T{i}: give both the organ and the diameter.")
            lesions.append(
                {
                    "lesion_id": f"T{i}",
                    "organ": organ.strip(),
                    "location": data.get(f"lesion_{i}_location") or "",
                    "is_lymph_node": bool(data.get(f"lesion_{i}_node")),
                    "diameter_mm": diameter,
                }
            )
        data["lesions"] = lesions
        return data


class FollowUpAssessmentForm(forms.Form):
    assessment_date = forms.DateField(widget=DATE)
    method = forms.CharField(initial="CT", max_length=30)
    non_target = forms.ChoiceField(
        choices=[
            ("cr", "Complete response"),
            ("non_cr_non_pd", "Non-CR / non-PD"),
            ("pd", "Unequivocal progression"),
            ("ne", "Not evaluated"),
            ("not_present", "No non-target lesions at baseline"),
        ],
    )
    new_lesions = forms.TypedChoiceField(
        choices=[("no", "No"), ("yes", "Yes"), ("", "Not assessed")],
        coerce=lambda v: {"yes": True, "no": False}.get(v),
        empty_value=None,
        required=False,
        label="New lesions",
    )

    def __init__(self, *args, lesions, **kwargs):
        super().__init__(*args, **kwargs)
        self.lesions = list(lesions)
        for lesion in self.lesions:
            self.fields[f"diameter_{lesion.lesion_id}"] = forms.DecimalField(
                required=False,
                min_value=0,
                max_digits=6,
                decimal_places=1,
                label=f"{lesion.lesion_id} {lesion.organ}"
                + (" (short axis, mm)" if lesion.is_lymph_node else " (mm)"),
                help_text="Empty if not evaluable; 0 if it has disappeared.",
            )

    def diameters(self):
        return {
            lesion.lesion_id: self.cleaned_data.get(f"diameter_{lesion.lesion_id}")
            for lesion in self.lesions
        }


class TumourCorrectionForm(FollowUpAssessmentForm):
    """Correct a saved time point: its measurements and findings, with a reason for change
    (its date and, at baseline, the choice of target lesions stay)."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label="Reason for change",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Required: saved data is being changed.",
    )

    def __init__(self, *args, assessment, measurements, **kwargs):
        super().__init__(*args, lesions=[m.lesion for m in measurements], **kwargs)
        del self.fields["assessment_date"]
        if assessment.is_baseline:
            del self.fields["new_lesions"]
        self.initial.update(
            version=assessment.version,
            method=assessment.method,
            non_target=assessment.non_target,
            new_lesions={True: "yes", False: "no"}.get(assessment.new_lesions, ""),
            **{f"diameter_{m.lesion.lesion_id}": m.diameter_mm for m in measurements},
        )
