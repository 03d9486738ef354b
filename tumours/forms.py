"""The RECIST 1.1 forms: the baseline (target lesions chosen and measured), a follow-up time
point, and the correction of a saved one."""

from django import forms

from trial.forms import DATE


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
