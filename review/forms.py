"""Review forms: input shape only. Passwords, reasons and roles are checked by review.services,
so the same message appears whichever door the request came through."""

from django import forms

from review.models import QueryOrigin, QueryStatus
from review.subjects import SUBJECT_EDITABLE_FIELDS
from trial.models import Subject, SubjectStatus


class SignForm(forms.Form):
    password = forms.CharField(
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text="Re-enter your password to sign.",
    )


class RecordVoidForm(forms.Form):
    """Voiding a CRF record entered in error (review.crf_pages.void): the row stays."""

    reason = forms.CharField(max_length=500, label="Reason (entered in error, duplicate, ...)")
    version = forms.IntegerField(widget=forms.HiddenInput)


class TextForm(forms.Form):
    text = forms.CharField(
        required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Kept in the audit trail.",
    )


class FieldForm(forms.Form):
    """A record's field (or the whole record, empty), as a query or verification names it."""

    field_name = forms.CharField(required=False, max_length=100)


class QueryRaiseForm(FieldForm, TextForm):
    pass


class QueryFilterForm(forms.Form):
    status = forms.ChoiceField(
        required=False,
        choices=[("", "Any status"), ("active", "Open or answered"), *QueryStatus.choices],
    )
    site = forms.ModelChoiceField(required=False, queryset=None, empty_label="All my sites")
    origin = forms.ChoiceField(required=False, choices=[("", "Any origin"), *QueryOrigin.choices])

    def __init__(self, *args, sites, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites


class MatrixFilterForm(forms.Form):
    site = forms.ModelChoiceField(required=False, queryset=None, empty_label="All my sites")
    status = forms.ChoiceField(
        label="Subject status", required=False, choices=[("", "Any"), *SubjectStatus.choices]
    )
    dose_level = forms.ModelChoiceField(required=False, queryset=None, empty_label="Any")
    q = forms.CharField(
        label="Screening or subject number", required=False, max_length=20, strip=True
    )

    def __init__(self, *args, sites, dose_levels, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = sites
        self.fields["dose_level"].queryset = dose_levels
        for name, field in self.fields.items():
            field.widget.attrs["class"] = (
                "form-control form-control-sm" if name == "q" else "form-select form-select-sm"
            )


def make_read_only(form: forms.BaseForm) -> None:
    """Show a locked record's form without letting it change (disabled fields keep their
    stored values even if a changed value is posted)."""
    for field in form.fields.values():
        field.disabled = True


SMALL_DATE = forms.DateInput(
    attrs={"type": "date", "class": "form-control form-control-sm"}, format="%Y-%m-%d"
)


class AuditFilterForm(forms.Form):
    """The subject audit trail's filters: one record, and a range of local dates."""

    record = forms.ChoiceField(
        required=False,
        label="Record",
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    since = forms.DateField(required=False, label="From", widget=SMALL_DATE)
    until = forms.DateField(required=False, label="To", widget=SMALL_DATE)

    def __init__(self, *args, records, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["record"].choices = [("", "All records"), *records]

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and until < since:
            self.add_error("until", "The end date is before the start date.")
        return data


# --- corrections of a registered subject (review.subjects) ---

REASON = forms.CharField(
    label="Reason",
    max_length=2000,
    widget=forms.Textarea(attrs={"rows": 2}),
    help_text="Kept in the audit trail with your name and the time.",
)


class SubjectVoidForm(forms.Form):
    reason = REASON


class SubjectCorrectForm(forms.ModelForm):
    """The registration data a data manager may correct (review.subjects.subject_update)."""

    reason = REASON

    class Meta:
        model = Subject
        fields = list(SUBJECT_EDITABLE_FIELDS)
        widgets = {"date_of_birth": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def _post_clean(self):
        # The service validates and saves; the form only parses (its instance is not saved).
        return

    def changes(self) -> dict:
        return {name: self.cleaned_data[name] for name in SUBJECT_EDITABLE_FIELDS}
