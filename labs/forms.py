"""Lab forms: input shape only; labs.services standardises, picks the range and grades."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Fieldset, Layout
from django import forms

from labs.models import LabNormalRange, LabResult
from labs.services import RANGE_FIELDS, RESULT_FIELDS
from labs.units import TESTS
from trial.forms import DATE


class LabResultForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    reason = forms.CharField(
        required=False, label="Reason for change", widget=forms.Textarea(attrs={"rows": 2})
    )

    class Meta:
        model = LabResult
        fields = list(RESULT_FIELDS)
        widgets = {
            "collected_on": DATE,
            "collected_time": forms.TimeInput(attrs={"type": "time"}),
        }

    def __init__(self, *args, editing: bool, **kwargs):
        super().__init__(*args, **kwargs)
        # The units (or categories) of the test when it is known (a stored result, a refused
        # post), else those of every test. Which of value+unit or category a test takes is
        # the service's rule (labs.services._entry_problems), named on the field it concerns.
        chosen = TESTS.get(self.data.get(self.add_prefix("test")) or self.instance.test or "")
        shown = [chosen] if chosen else TESTS.values()
        self.fields["unit"].help_text = "; ".join(
            f"{t.name}: {', '.join(t.units)}" for t in shown if not t.categorical
        )
        self.fields["category"].help_text = (
            "; ".join(f"{t.name} ({t.method.lower()})" for t in shown if t.categorical)
            + ": the category read, without value or unit."
            if any(t.categorical for t in shown)
            else "Only for a dipstick test."
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
                "Result",
                Div(
                    Div("test", css_class="col-md-3"),
                    Div("value", css_class="col-md-1"),
                    Div("unit", css_class="col-md-2"),
                    Div("category", css_class="col-md-2"),
                    Div("collected_on", css_class="col-md-2"),
                    Div("collected_time", css_class="col-md-2"),
                    css_class="row",
                ),
            ),
            *([Fieldset("Reason for change", "reason")] if editing else []),
        )

    def clean_value(self):
        value = self.cleaned_data.get("value")
        if value is not None and value < 0:
            raise forms.ValidationError("A lab value cannot be negative.")
        return value

    def _post_clean(self):
        # labs.services applies the rules and names the field each concerns.
        return

    def values(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in RESULT_FIELDS}


class NormalRangeForm(forms.ModelForm):
    """A normal range of the site's laboratory (labs.services.normal_range_record checks it)."""

    class Meta:
        model = LabNormalRange
        fields = list(RANGE_FIELDS)
        widgets = {
            "effective_from": DATE,
            "effective_to": DATE,
        }
        help_texts = {
            "unit": "The unit the laboratory reports this range in.",
            "effective_to": "Empty while the range is in force.",
            "age_min": "Empty: any age.",
            "sex": "Either: the range holds for both sexes.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Fieldset(
                "Normal range",
                Div(
                    *(Div(name, css_class="col-md-3") for name in RANGE_FIELDS),
                    css_class="row",
                ),
            )
        )

    def _post_clean(self):
        # The service validates (low above high, overlaps) and saves; the form only parses.
        return

    def values(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in RANGE_FIELDS}
