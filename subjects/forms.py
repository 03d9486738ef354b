"""The forms of the subject page's visit rows: a visit performed, a visit missed."""

from django import forms

from trial.forms import DATE


class VisitDateForm(forms.Form):
    completed_on = forms.DateField(label="Visit date", widget=DATE)


class MissedForm(forms.Form):
    reason = forms.CharField(label="Reason missed", max_length=500)
