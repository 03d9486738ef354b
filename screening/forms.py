"""Screening forms: input shape only; the clinical rules come from screening.eligibility."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Div, Fieldset, Layout
from django import forms

from screening.eligibility import AUTOIMMUNE_CONDITIONS, SEVERE_ALLERGY_KINDS
from screening.models import EligibilityAssessment
from screening.services import FACT_FIELDS
from trial.models import Ethnicity, Race, Sex, TumourType

NONE_OF_THESE = "none"
# Browsers' date inputs take ISO values whatever the display locale.
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class RegistrationForm(forms.Form):
    site = forms.ModelChoiceField(queryset=None, empty_label=None)
    sex = forms.ChoiceField(choices=Sex.choices, widget=forms.RadioSelect)
    date_of_birth = forms.DateField(widget=DATE)
    race = forms.ChoiceField(
        choices=[("", "---------"), *Race.choices],
        help_text='Choose "Not reported" when it is not asked (local rules) or declined.',
    )
    ethnicity = forms.ChoiceField(
        choices=[("", "---------"), *Ethnicity.choices],
        help_text='Choose "Not reported" when it is not asked (local rules) or declined.',
    )
    tumour_type = forms.ChoiceField(choices=TumourType.choices)
    tumour_type_other = forms.CharField(
        required=False, label="Other tumour type (specify)", max_length=200
    )
    different_patient_confirmed = forms.BooleanField(
        required=False,
        label="This is a different patient from one already in screening",
        help_text="Only needed when the system finds a subject with the same details.",
    )

    def __init__(self, *args, sites, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites


class ConsentForm(forms.Form):
    """Consent, new or corrected. A correction carries the version it was opened at (a
    stale one is refused, screening.services.consent_update) and a reason for change."""

    icf_version = forms.CharField(label="ICF version", max_length=30)
    signed_at = forms.DateTimeField(
        label="Date and time signed",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    reason = forms.CharField(
        required=False,
        max_length=1000,
        label="Reason for change",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Kept in the audit trail.",
    )

    def __init__(self, *args, consent=None, **kwargs):
        if consent is not None:
            kwargs.setdefault(
                "initial",
                {
                    "icf_version": consent.icf_version,
                    "signed_at": consent.signed_at,
                    "version": consent.version,
                },
            )
        super().__init__(*args, **kwargs)
        if consent is None:
            del self.fields["reason"]


class ReasonForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=1000)


class EnrollForm(forms.Form):
    planned_c1d1 = forms.DateField(label="Planned C1D1 (first dose)", widget=DATE)


def _lab_field_name(code: str, part: str) -> str:
    return f"lab_{code}_{part}"


class EligibilityForm(forms.ModelForm):
    """The eligibility CRF. Unanswered stays unanswered: the rules report it as missing."""

    autoimmune_conditions = forms.MultipleChoiceField(
        required=False,
        choices=[(NONE_OF_THESE, "None of these"), *AUTOIMMUNE_CONDITIONS],
        widget=forms.CheckboxSelectMultiple,
        label="Autoimmune disease, active or in the history",
    )
    severe_allergy_history = forms.MultipleChoiceField(
        required=False,
        choices=[(NONE_OF_THESE, "None of these"), *SEVERE_ALLERGY_KINDS],
        widget=forms.CheckboxSelectMultiple,
        label="Severe allergy history (drugs, foods or vaccines)",
    )
    reason = forms.CharField(
        required=False,
        label="Reason for change",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Required when correcting a saved assessment; kept in the audit trail.",
    )
    # The version the form was opened at: a save made since refuses this one
    # (screening.services.eligibility_save), instead of being overwritten by it.
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = EligibilityAssessment
        fields = [name for name in FACT_FIELDS]
        widgets = {
            name: DATE
            for name in (
                "assessment_date",
                "last_chemotherapy_date",
                "last_radiotherapy_date",
                "last_surgery_date",
                "last_nitrosourea_or_mitomycin_date",
                "last_other_trial_drug_date",
                "last_myocardial_infarction_date",
            )
        }

    def __init__(self, *args, subject, lab_limits, editing: bool, panel=None, **kwargs):
        """`panel`: what the screening lab panel gives for inclusion 7, by lab limit code
        (screening.lab_panel.panel_answers), shown beside each answer."""
        super().__init__(*args, **kwargs)
        self.subject = subject
        self.lab_limits = list(lab_limits)
        panel = panel or {}
        self.fields["assessment_date"].required = True
        if self.instance.pk:
            self.initial["version"] = self.instance.version
        saved_labs = (self.instance.labs or {}) if self.instance.pk else {}
        lab_names = []
        for lab in self.lab_limits:
            saved = saved_labs.get(lab.code, {})
            unit = "x ULN" if lab.relative_to_uln else lab.unit
            value_name = _lab_field_name(lab.code, "value")
            answer = panel.get(lab.code)
            self.fields[value_name] = forms.DecimalField(
                label=f"{lab.label}" + ("" if lab.relative_to_uln else f" ({lab.unit})"),
                required=False,
                min_value=0,
                max_digits=12,
                decimal_places=3,
                initial=saved.get("value"),
                help_text=_limit_text(lab, unit) + _panel_text(answer),
            )
            lab_names.append(value_name)
            if lab.relative_to_uln:
                uln_name = _lab_field_name(lab.code, "uln")
                self.fields[uln_name] = forms.DecimalField(
                    label=f"{lab.label}: upper limit of normal",
                    required=False,
                    min_value=0,
                    max_digits=12,
                    decimal_places=3,
                    initial=saved.get("uln"),
                )
                lab_names.append(uln_name)
        for name in ("autoimmune_conditions", "severe_allergy_history"):
            saved = getattr(self.instance, name) if self.instance.pk else None
            if saved is not None and not self.is_bound:
                self.initial[name] = list(saved) or [NONE_OF_THESE]
        if not editing:
            del self.fields["reason"]
        women = subject.sex == "F"
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            "version",
            Fieldset("Assessment", "assessment_date"),
            Fieldset(
                "Inclusion 2 · disease",
                "histology_confirmed",
                "refractory_to_second_line",
                "no_standard_treatment",
            ),
            Fieldset(
                "Inclusion 3, 4 · performance and prognosis", "ecog", "expected_survival_months"
            ),
            Fieldset(
                "Inclusion 5, 6 · exclusion 1 · prior treatment",
                Div(
                    Div("had_chemotherapy", css_class="col-md-6"),
                    Div("last_chemotherapy_date", css_class="col-md-6"),
                    Div("had_radiotherapy", css_class="col-md-6"),
                    Div("last_radiotherapy_date", css_class="col-md-6"),
                    Div("had_surgery", css_class="col-md-6"),
                    Div("last_surgery_date", css_class="col-md-6"),
                    Div("had_nitrosourea_or_mitomycin", css_class="col-md-6"),
                    Div("last_nitrosourea_or_mitomycin_date", css_class="col-md-6"),
                    Div("had_other_trial_drug", css_class="col-md-6"),
                    Div("last_other_trial_drug_date", css_class="col-md-6"),
                    css_class="row",
                ),
            ),
            Fieldset(
                "Inclusion 7 · organ function",
                Div(*[Div(n, css_class="col-md-6") for n in lab_names], css_class="row"),
            ),
            Fieldset("Exclusion 2 · tumour location", "tumour_near_major_vessels_or_trachea"),
            Fieldset(
                "Exclusion 3 · cardiac",
                "nyha_class",
                "unstable_angina",
                "had_myocardial_infarction",
                "last_myocardial_infarction_date",
                "arrhythmia_requiring_treatment",
            ),
            Fieldset(
                "Exclusion 4 · pregnancy and lactation"
                + ("" if women else " (women only: not asked for men)"),
                *(
                    ["pregnant", "lactating", "childbearing_potential", "pregnancy_test_result"]
                    if women
                    else []
                ),
            ),
            Fieldset(
                "Exclusion 5 · infections",
                "active_tuberculosis",
                "bacterial_or_fungal_infection_grade",
                "active_hiv",
                "active_hbv",
                "hcv_infection",
            ),
            Fieldset(
                "Exclusions 6, 8, 9 · psychiatric, immunosuppression, abuse",
                "psychotropic_abuse_unable_to_quit",
                "mental_disorder",
                "immunosuppressive_treatment",
                "drug_or_alcohol_abuse_history",
            ),
            Fieldset(
                "Exclusion 7 · autoimmune disease",
                HTML(
                    '<p class="form-text">Vitiligo, and childhood asthma completely relieved '
                    "with no intervention in adulthood, are allowed. Asthma needing "
                    "bronchodilators is not.</p>"
                ),
                "autoimmune_conditions",
            ),
            Fieldset("Exclusion 10 · allergy", "allergy_to_study_drug", "severe_allergy_history"),
            Fieldset(
                "Exclusions 11, 12",
                "pregnancy_plan_within_window",
                "investigator_excludes_for_concomitant_disease",
            ),
            *([Fieldset("Reason for change", "reason")] if editing else []),
        )
        if not women:
            for name in (
                "pregnant",
                "lactating",
                "childbearing_potential",
                "pregnancy_test_result",
            ):
                del self.fields[name]

    def _clean_set(self, name):
        chosen = self.cleaned_data.get(name) or []
        if not chosen:
            return None  # not answered
        if NONE_OF_THESE in chosen:
            if len(chosen) > 1:
                raise forms.ValidationError(
                    "Tick either 'None of these' or the conditions, not both."
                )
            return []
        return chosen

    def clean_autoimmune_conditions(self):
        return self._clean_set("autoimmune_conditions")

    def clean_severe_allergy_history(self):
        return self._clean_set("severe_allergy_history")

    def values(self) -> dict:
        """The cleaned answers as the eligibility services take them."""
        data = self.cleaned_data
        values = {name: data.get(name) for name in FACT_FIELDS}
        values["labs"] = {}
        for lab in self.lab_limits:
            value = data.get(_lab_field_name(lab.code, "value"))
            uln = data.get(_lab_field_name(lab.code, "uln"))
            if value is not None or uln is not None:
                values["labs"][lab.code] = {
                    "value": None if value is None else str(value),
                    "uln": None if uln is None else str(uln),
                }
        return values

    def add_rule_errors(self, error_dict: dict) -> None:
        """Attach errors from the rules (keyed by fact name) to the form's fields."""
        for key, messages in error_dict.items():
            field = key
            if key.startswith("labs."):
                field = _lab_field_name(key.split(".", 1)[1], "value")
            if field not in self.fields:
                field = None
            for message in messages:
                self.add_error(field, message)


def _plain(number) -> str:
    """100, not 1E+2: Decimal.normalize() alone writes an exponent."""
    return format(number.normalize(), "f")


def _panel_text(answer) -> str:
    """What the screening lab panel gives for the answer (an automatic query when they
    disagree: screening.lab_panel)."""
    if answer is None:
        return ""
    source = answer.source
    if answer.problem:
        return f". Screening lab panel: {source.title}, {answer.problem}"
    given = f"{_plain(answer.value)} {source.unit}"
    if answer.uln is not None:
        given += f", ULN {_plain(answer.uln)} {source.unit}"
    return f". Screening lab panel: {given} ({source.title})"


def _limit_text(lab, unit) -> str:
    parts = []
    if lab.minimum is not None:
        parts.append(f"≥ {_plain(lab.minimum)} {unit}")
    if lab.maximum is not None:
        parts.append(f"≤ {_plain(lab.maximum)} {unit}")
    return "Protocol limit: " + " and ".join(parts)
