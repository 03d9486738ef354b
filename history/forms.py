"""Medical-history forms: input shape only; history.rules says what may be saved."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Fieldset, Layout
from django import forms

from adverse_events.forms import TermField
from history import prior_therapy, rules
from history.models import MedicalHistory, PriorRadiotherapy, PriorSurgery, SystemicTherapyLine
from history.services import LINE_FIELDS, MH_FIELDS, RADIOTHERAPY_FIELDS, SURGERY_FIELDS
from trial.dates import MISSING_CODE_CHOICES
from trial.forms import PartialDateField


def _code_choices(codes) -> list[tuple[str, str]]:
    allowed = {code.value for code in codes}
    return [("", "—"), *[(v, label) for v, label in MISSING_CODE_CHOICES if v in allowed]]


class MedicalHistoryForm(forms.ModelForm):
    term = TermField(
        label="CTCAE v5.0 term",
        required=False,
        widget=forms.TextInput(
            attrs={"list": "ctcae-terms", "autocomplete": "off", "placeholder": "Type to search"}
        ),
        help_text="Where one fits: an adverse event of the same term is compared with the "
        "baseline grade.",
    )
    start_date = PartialDateField(label="Start date", codes=rules.START_CODES)
    end_date = PartialDateField(label="End date", codes=rules.END_CODES, required=False)
    baseline_grade = forms.TypedChoiceField(
        label="Baseline CTCAE grade",
        coerce=int,
        empty_value=None,
        required=False,
        choices=[("", "—"), *[(g, f"Grade {g}") for g in range(1, 5)]],
        help_text="If ongoing at the first dose.",
    )
    baseline_grade_code = forms.ChoiceField(
        label="or baseline grade missing",
        required=False,
        choices=_code_choices(rules.BASELINE_GRADE_CODES),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    reason = forms.CharField(
        required=False, label="Reason for change", widget=forms.Textarea(attrs={"rows": 2})
    )

    class Meta:
        model = MedicalHistory
        fields = list(MH_FIELDS)
        widgets = {"treatment": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, editing: bool, **kwargs):
        super().__init__(*args, **kwargs)
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
            Fieldset("Condition", "condition", "term"),
            Fieldset(
                "Dates (partial dates accepted: 2019, 2019-03)",
                Div(
                    Div("start_date", css_class="col-md-4"),
                    Div("ongoing", css_class="col-md-4 pt-md-4"),
                    Div("end_date", css_class="col-md-4"),
                    css_class="row",
                ),
            ),
            Fieldset(
                "Baseline",
                Div(
                    Div("baseline_grade", css_class="col-md-6"),
                    Div("baseline_grade_code", css_class="col-md-6"),
                    css_class="row",
                ),
                "treatment",
            ),
            *([Fieldset("Reason for change", "reason")] if editing else []),
        )

    def _post_clean(self):
        # history.services applies the rules and names the field each concerns.
        return

    def values(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in MH_FIELDS}


# --- prior cancer therapy ----------------------------------------------------------------------

_DATES = "Dates (partial dates accepted: 2019, 2019-03)"


class _PriorTherapyForm(forms.ModelForm):
    """The version edited and the reason for change of a prior-therapy form; the subclasses
    give the fields and their layout. history.prior_therapy says what may be saved."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    reason = forms.CharField(
        required=False, label="Reason for change", widget=forms.Textarea(attrs={"rows": 2})
    )

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
            *self.sections(),
            *([Fieldset("Reason for change", "reason")] if editing else []),
        )

    def sections(self) -> list:
        raise NotImplementedError

    def _post_clean(self):
        # history.services applies the rules and names the field each concerns.
        return

    def values(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in self.Meta.fields}


def _row(*names: str) -> Div:
    return Div(*[Div(name, css_class="col-md") for name in names], css_class="row")


class SystemicLineForm(_PriorTherapyForm):
    start_date = PartialDateField(label="Start date", codes=prior_therapy.DATE_CODES)
    end_date = PartialDateField(label="End date", codes=prior_therapy.DATE_CODES)

    class Meta:
        model = SystemicTherapyLine
        fields = list(LINE_FIELDS)
        widgets = {"agents": forms.Textarea(attrs={"rows": 2})}

    def sections(self) -> list:
        return [
            Fieldset("Line", _row("line_number", "regimen"), "agents"),
            Fieldset(_DATES, _row("start_date", "end_date")),
            Fieldset("Outcome", _row("best_response", "reason_stopped"), "reason_stopped_other"),
        ]


class RadiotherapyForm(_PriorTherapyForm):
    total_dose_gy = forms.DecimalField(
        label="Total dose (Gy)", required=False, max_digits=6, decimal_places=2
    )
    total_dose_code = forms.ChoiceField(
        label="or total dose missing",
        required=False,
        choices=_code_choices(prior_therapy.DOSE_CODES),
    )
    start_date = PartialDateField(label="Start date", codes=prior_therapy.DATE_CODES)
    end_date = PartialDateField(label="End date", codes=prior_therapy.DATE_CODES)

    class Meta:
        model = PriorRadiotherapy
        fields = list(RADIOTHERAPY_FIELDS)

    def sections(self) -> list:
        return [
            Fieldset("Course", "site", _row("total_dose_gy", "total_dose_code")),
            Fieldset(_DATES, _row("start_date", "end_date")),
        ]


class SurgeryForm(_PriorTherapyForm):
    surgery_date = PartialDateField(label="Date", codes=prior_therapy.DATE_CODES)

    class Meta:
        model = PriorSurgery
        fields = list(SURGERY_FIELDS)

    def sections(self) -> list:
        return [Fieldset("Surgery", _row("procedure", "surgery_date"))]
