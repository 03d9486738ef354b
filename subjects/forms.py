"""The forms of the subject page's visit rows: a visit performed, a visit missed. Each knows
the visit it was posted for (`visit_pk`), so a refused one comes back on its own row."""

from django import forms

from trial.forms import DATE
from trial.models import Visit

# The key of a refused visit-row form in the subject page's `bound` ({kind label: form}).
VISIT = Visit._meta.label_lower


class _VisitRowForm(forms.Form):
    def __init__(self, *args, visit_pk: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.visit_pk = visit_pk


class VisitDateForm(_VisitRowForm):
    completed_on = forms.DateField(label="Visit date", widget=DATE)


class MissedForm(_VisitRowForm):
    reason = forms.CharField(label="Reason missed", max_length=500)
