from django import forms
from django.utils.translation import gettext_lazy as _

from ltc.activity.models import ActivityKind
from ltc.org.models import Role, User

from . import fieldspec
from .models import DisqualifyReason, Lead

LEAD_FORM_FIELDS = list(fieldspec.EDITABLE)


class LeadForm(forms.ModelForm):
    """Create or edit a lead's details. The state is not a field: it moves through actions."""

    class Meta:
        model = Lead
        fields = LEAD_FORM_FIELDS
        widgets = {
            "need": forms.Textarea(attrs={"rows": 3}),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def clean_estimated_amount(self):
        amount = self.cleaned_data.get("estimated_amount")
        if amount is not None and amount < 0:
            raise forms.ValidationError(_("The amount cannot be negative."))
        return amount


class FollowUpForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ActivityKind.choices)
    note = forms.CharField(
        label=_("Note"), max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )


class ValidateForm(forms.Form):
    need = forms.CharField(
        label=_("Need"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    budget_confirmed = forms.BooleanField(label=_("Budget confirmed"), required=False)


class DisqualifyForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=DisqualifyReason.choices)
    note = forms.CharField(label=_("Note"), max_length=2000, required=False)


class ReleaseForm(forms.Form):
    reason = forms.CharField(label=_("Why does it go back to the pool?"), max_length=2000)


class AssignForm(forms.Form):
    owner = forms.ModelChoiceField(label=_("Assign to"), queryset=User.objects.none())

    def __init__(self, *args, users=None, **kwargs):
        super().__init__(*args, **kwargs)
        qs = users if users is not None else User.objects.all()
        self.fields["owner"].queryset = qs.filter(role__in=[Role.REP, Role.MANAGER], is_active=True)


class MergeForm(forms.Form):
    into = forms.IntegerField(label=_("Merge into lead number"), min_value=1)


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV or Excel file"),
        help_text=_(
            "The first row names the columns, in Chinese or in English; a source or currency may be given by its name in either language."
        ),
    )
