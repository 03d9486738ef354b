import re

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Div, Fieldset, Layout
from django import forms

from adverse_events import rules
from adverse_events.models import AdverseEvent, CtcaeTerm
from adverse_events.services import AE_FIELDS
from trial.study import product_name

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
_CODE = re.compile(r"\[(\d+)\]\s*$")


def term_label(term: CtcaeTerm) -> str:
    """How a term reads in the typeahead; the MedDRA code in brackets identifies it."""
    return f"{term.term} — {term.soc} [{term.meddra_code}]"


class TermField(forms.CharField):
    """A CTCAE term picked from the typeahead (native datalist), identified by its code."""

    def to_python(self, value):
        if isinstance(value, CtcaeTerm):
            return value
        if isinstance(value, int):  # the stored id, as a disabled (read-only) field gives it
            return CtcaeTerm.objects.filter(pk=value).first()
        text = super().to_python(value)
        if not text:
            return None
        match = _CODE.search(text)
        term = None
        if match:
            term = CtcaeTerm.objects.filter(meddra_code=int(match.group(1))).first()
        if term is None:
            term = CtcaeTerm.objects.filter(term__iexact=text.strip()).first()
        if term is None:
            raise forms.ValidationError(
                f"'{text}' is not a CTCAE v5.0 term: pick one from the list, or the "
                "'Other, specify' term of the system organ class."
            )
        return term

    def prepare_value(self, value):
        if isinstance(value, CtcaeTerm):
            return term_label(value)
        if isinstance(value, int):
            term = CtcaeTerm.objects.filter(pk=value).first()
            return term_label(term) if term else ""
        return value


class AdverseEventForm(forms.ModelForm):
    term = TermField(
        label="CTCAE v5.0 term",
        widget=forms.TextInput(
            attrs={"list": "ctcae-terms", "autocomplete": "off", "placeholder": "Type to search"}
        ),
    )
    grade = forms.TypedChoiceField(
        coerce=int, choices=[(g, f"Grade {g}") for g in range(1, 6)], widget=forms.RadioSelect
    )
    serious_criteria = forms.MultipleChoiceField(
        required=False,
        choices=rules.SeriousCriterion.choices(),
        widget=forms.CheckboxSelectMultiple,
        label="Seriousness criteria (ICH E2A)",
    )
    aware_at = forms.DateTimeField(
        required=False,
        label="Site became aware (date and time)",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="Starts the 24-hour clock for the SAE report; now if left empty.",
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    reason = forms.CharField(
        required=False, label="Reason for change", widget=forms.Textarea(attrs={"rows": 2})
    )

    class Meta:
        model = AdverseEvent
        fields = list(AE_FIELDS)
        widgets = {
            "onset_date": DATE,
            "end_date": DATE,
            "death_date": DATE,
            "treatment_given": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, editing: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["version"] = self.instance.version
        else:
            self.initial.setdefault("ongoing", True)
        if not editing:
            del self.fields["reason"]
        self.fields["term"].widget.attrs.update(
            {
                "hx-get": "/ctcae/grades/",
                "hx-trigger": "change changed",
                "hx-target": "#grade-texts",
                "hx-include": "this, [name='grade']:checked",
                "hx-vals": '{"field": "term"}',
            }
        )
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            "version",
            Fieldset(
                "Event",
                "term",
                "verbatim_term",
                HTML(
                    '<div id="grade-texts" aria-live="polite">'
                    '{% include "adverse_events/_grade_texts.html" %}</div>'
                ),
                Div(
                    Div("onset_date", css_class="col-md-4"),
                    Div("ongoing", css_class="col-md-4 pt-md-4"),
                    Div("end_date", css_class="col-md-4"),
                    css_class="row",
                ),
            ),
            Fieldset("Seriousness", "serious", "serious_criteria", "aware_at"),
            Fieldset(
                "Action and outcome",
                Div(
                    Div("action_taken", css_class="col-md-4"),
                    Div("outcome", css_class="col-md-4"),
                    Div("death_date", css_class="col-md-4"),
                    css_class="row",
                ),
                "treatment_given",
            ),
            *([Fieldset("Reason for change", "reason")] if editing else []),
        )

    def _post_clean(self):
        # No model validation here: adverse_events.services applies the rules (and fills in
        # the awareness time of a new SAE) and names the field each concerns; the model's
        # constraints stay the database's last word.
        return

    def values(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in AE_FIELDS}


class CausalityForm(forms.Form):
    relationship = forms.ChoiceField(
        choices=rules.Relationship.choices(),
        widget=forms.RadioSelect,
    )
    expectedness = forms.ChoiceField(
        choices=[("", "Not assessed"), *rules.Expectedness.choices()], required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["relationship"].label = f"Relationship to {product_name()}"


class DltDecisionForm(forms.Form):
    is_dlt = forms.TypedChoiceField(
        coerce=lambda v: v == "yes",
        choices=[("yes", "Yes, a dose-limiting toxicity"), ("no", "No, not a DLT")],
        widget=forms.RadioSelect,
        label="Investigator's decision",
    )


class SignForm(forms.Form):
    password = forms.CharField(
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text="Re-enter your password to sign: 'I approve this SAE report'.",
    )


class VoidForm(forms.Form):
    reason = forms.CharField(max_length=500, label="Reason (entered in error, duplicate, ...)")


class AeFilterForm(forms.Form):
    grade = forms.TypedChoiceField(
        coerce=int,
        required=False,
        choices=[("", "Any grade"), *[(g, f"≥ {g}") for g in range(1, 6)]],
    )
    serious = forms.ChoiceField(
        required=False, choices=[("", "Serious or not"), ("yes", "Serious"), ("no", "Not serious")]
    )
    related = forms.ChoiceField(
        required=False,
        choices=[
            ("", "Any relationship"),
            ("yes", "Related"),
            ("no", "Not related"),
            ("pending", "Not yet assessed"),
        ],
    )
    soc = forms.CharField(required=False, label="SOC")
    state = forms.ChoiceField(
        required=False, choices=[("", "Open or closed"), ("open", "Ongoing"), ("closed", "Ended")]
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Bootstrap's block controls: each label sits above its own control.
        for field in self.fields.values():
            is_select = isinstance(field.widget, forms.Select)
            field.widget.attrs.setdefault(
                "class",
                "form-select form-select-sm" if is_select else "form-control form-control-sm",
            )
