"""The RECIST 1.1 forms: the baseline (target lesions chosen and measured), a follow-up time
point, and the correction of a saved one."""

from django import forms

from trial.forms import DATE
from tumours.models import NonTargetLesionState


class BaselineForm(forms.Form):
    """Up to five target lesions, chosen and measured at baseline."""

    ROWS = 5
    # RECIST 1.1, 4.2: every other lesion is followed as non-target; 10 rows on the form.
    NON_TARGET_ROWS = 10
    assessment_date = forms.DateField(widget=DATE)
    method = forms.CharField(initial="CT", max_length=30)

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
        for i in range(1, self.NON_TARGET_ROWS + 1):
            self.fields[f"non_target_{i}_organ"] = forms.CharField(
                required=False, max_length=60, label=f"NT{i} organ"
            )
            self.fields[f"non_target_{i}_location"] = forms.CharField(
                required=False, max_length=200, label=f"NT{i} location"
            )
            self.fields[f"non_target_{i}_node"] = forms.BooleanField(
                required=False, label=f"NT{i} is a lymph node"
            )
        # The lesion tables show their column headers instead of labels: the inputs carry
        # their label for assistive technology.
        for name, field in self.fields.items():
            if name.startswith(("lesion_", "non_target_")):
                field.widget.attrs.setdefault("aria-label", field.label)

    def rows(self):
        return [
            [self[f"lesion_{i}_{part}"] for part in ("organ", "location", "node", "diameter")]
            for i in range(1, self.ROWS + 1)
        ]

    def non_target_rows(self):
        return [
            [self[f"non_target_{i}_{part}"] for part in ("organ", "location", "node")]
            for i in range(1, self.NON_TARGET_ROWS + 1)
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
        non_target = []
        for i in range(1, self.NON_TARGET_ROWS + 1):
            organ = data.get(f"non_target_{i}_organ")
            location, node = data.get(f"non_target_{i}_location"), data.get(f"non_target_{i}_node")
            if not organ and not location and not node:
                continue
            if not organ:
                self.add_error(f"non_target_{i}_organ", f"NT{i}: give the organ.")
                continue
            non_target.append(
                {"organ": organ.strip(), "location": location or "", "is_lymph_node": bool(node)}
            )
        data["non_target_lesions"] = non_target
        return data


NEW_PARTS = ("organ", "location", "equivocal", "same_as")


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

    NEW_ROWS = 3

    def __init__(
        self,
        *args,
        lesions,
        non_target_lesions=(),
        summary_non_target=True,
        earlier_new_lesions=(),
        new_rows=True,
        **kwargs,
    ):
        """`non_target_lesions`: those of the baseline, each given a state; without them
        the summary answer (`summary_non_target`: False when the baseline had none).
        `earlier_new_lesions`: the new lesions of earlier scans a new one may be again."""
        super().__init__(*args, **kwargs)
        self.lesions = list(lesions)
        self.non_target_lesions = list(non_target_lesions)
        if self.non_target_lesions or not summary_non_target:
            del self.fields["non_target"]
        for lesion in self.non_target_lesions:
            self.fields[f"non_target_{lesion.lesion_id}"] = forms.ChoiceField(
                choices=NonTargetLesionState.choices,
                label=f"{lesion.lesion_id} {lesion.organ}"
                + (f", {lesion.location}" if lesion.location else "")
                + " (non-target)",
            )
        self.new_row_count = self.NEW_ROWS if new_rows else 0
        earlier = [("", "A new lesion first seen on this scan")] + [
            (lesion_id, f"{lesion_id}, seen on an earlier scan")
            for lesion_id in earlier_new_lesions
        ]
        for i in range(1, self.new_row_count + 1):
            self.fields[f"new_{i}_organ"] = forms.CharField(
                required=False, max_length=60, label=f"New lesion {i}: organ"
            )
            self.fields[f"new_{i}_location"] = forms.CharField(
                required=False, max_length=200, label=f"New lesion {i}: location"
            )
            self.fields[f"new_{i}_equivocal"] = forms.BooleanField(
                required=False,
                label=f"New lesion {i} is equivocal",
                help_text="Not progression unless a later scan shows it unequivocally.",
            )
            self.fields[f"new_{i}_same_as"] = forms.ChoiceField(
                required=False, choices=earlier, label=f"New lesion {i} is"
            )
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

    def non_target_states(self) -> dict[str, str]:
        return {
            lesion.lesion_id: self.cleaned_data.get(f"non_target_{lesion.lesion_id}")
            for lesion in self.non_target_lesions
        }

    def new_lesion_rows(self) -> list[dict]:
        rows = []
        for i in range(1, self.new_row_count + 1):
            row = {part: self.cleaned_data.get(f"new_{i}_{part}") for part in NEW_PARTS}
            if row["organ"] or row["location"] or row["equivocal"] or row["same_as"]:
                rows.append(row)
        return rows


class TumourCorrectionForm(FollowUpAssessmentForm):
    """Correct a saved time point: its measurements and findings, with a reason for change
    (its date and, at baseline, the choice of target lesions stay)."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label="Reason for change",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Required: saved data is being changed.",
    )

    def __init__(self, *args, assessment, measurements, observations=(), new_entries=(), **kwargs):
        observations, new_entries = list(observations), list(new_entries)
        super().__init__(
            *args,
            lesions=[m.lesion for m in measurements],
            # At baseline the non-target lesions are present by definition.
            non_target_lesions=[] if assessment.is_baseline else [o.lesion for o in observations],
            summary_non_target=not observations,
            new_rows=False,
            **kwargs,
        )
        del self.fields["assessment_date"]
        self.new_entries = new_entries
        if assessment.is_baseline:
            del self.fields["new_lesions"]
        for entry in new_entries:
            self.fields[f"equivocal_{entry.lesion_id}"] = forms.BooleanField(
                required=False, label=f"{entry.lesion_id} ({entry.organ}) is equivocal"
            )
        self.initial.update(
            version=assessment.version,
            method=assessment.method,
            non_target=assessment.non_target,
            # New lesions listed one by one were seen, equivocal or not.
            new_lesions="yes"
            if new_entries
            else {True: "yes", False: "no"}.get(assessment.new_lesions, ""),
            **{f"diameter_{m.lesion.lesion_id}": m.diameter_mm for m in measurements},
            **{f"non_target_{o.lesion.lesion_id}": o.state for o in observations},
            **{f"equivocal_{e.lesion_id}": e.equivocal for e in new_entries},
        )

    def new_lesion_equivocal(self) -> dict[str, bool]:
        return {
            e.lesion_id: bool(self.cleaned_data.get(f"equivocal_{e.lesion_id}"))
            for e in self.new_entries
        }
