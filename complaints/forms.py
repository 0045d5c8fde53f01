from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Category, ConfirmationChannel, Severity


class ComplaintForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    severity = forms.ChoiceField(
        label=_("Severity"), choices=Severity.choices, initial=Severity.MEDIUM
    )
    description = forms.CharField(
        label=_("Description"), max_length=5000, required=False, widget=forms.Textarea
    )
    unit = forms.ModelChoiceField(label=_("Delivery unit"), queryset=None, required=False)

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        if units is None:
            del self.fields["unit"]
        else:
            self.fields["unit"].queryset = units


class CommentForm(forms.Form):
    comment = forms.CharField(label=_("Comment"), max_length=2000, required=False)


class ResolveForm(forms.Form):
    resolution = forms.CharField(
        label=_("What was done to resolve it"), max_length=5000, widget=forms.Textarea
    )


class CloseForm(forms.Form):
    confirmed_by = forms.CharField(label=_("Confirmed by (the customer's person)"), max_length=200)
    contact = forms.ModelChoiceField(label=_("Contact"), queryset=None, required=False)
    channel = forms.ChoiceField(label=_("How"), choices=ConfirmationChannel.choices)
    confirmed_at = forms.DateTimeField(
        label=_("Confirmed at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    note = forms.CharField(label=_("Note"), max_length=2000, required=False)

    def __init__(self, *args, contacts=None, **kwargs):
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("confirmed_at", timezone.localtime().replace(second=0))
        super().__init__(*args, **kwargs)
        self.fields["contact"].queryset = contacts


class ReopenForm(forms.Form):
    reason = forms.CharField(label=_("Why reopen it"), max_length=2000)


class ReassignForm(forms.Form):
    owner = forms.ModelChoiceField(label=_("New owner"), queryset=None)

    def __init__(self, *args, people=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = people
