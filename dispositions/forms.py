"""The disposition forms: the subject page's (record the next one), and a recorded one's own
page (correct its date or text, void it)."""

from django import forms

from dispositions.models import DispositionKind
from trial.forms import DATE


class DispositionForm(forms.Form):
    kind = forms.ChoiceField(choices=DispositionKind.choices)
    event_date = forms.DateField(label="Date", widget=DATE)
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class DispositionCorrectForm(forms.Form):
    """The date and the text as recorded, and why they change. `reason` is the disposition's
    own text (the model's field, the name the service's errors use); the reason for change is
    `reason_for_change`."""

    event_date = forms.DateField(label="Date", widget=DATE)
    reason = forms.CharField(
        label="Reason (as recorded)", widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )
    reason_for_change = forms.CharField(label="Reason for change", max_length=500)
    version = forms.IntegerField(widget=forms.HiddenInput)

    @classmethod
    def of(cls, disposition):
        return cls(
            initial={
                "event_date": disposition.event_date,
                "reason": disposition.reason,
                "version": disposition.version,
            }
        )
