"""The disposition form of the subject page."""

from django import forms

from dispositions.models import DispositionKind
from trial.forms import DATE


class DispositionForm(forms.Form):
    kind = forms.ChoiceField(choices=DispositionKind.choices)
    event_date = forms.DateField(label="Date", widget=DATE)
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)
