from django import forms
from django.utils.translation import gettext_lazy as _

from ltc.activity.models import ActivityKind

from .models import Contact, Customer


class CustomerForm(forms.ModelForm):
    # Ticked after the page warned of customers that look the same: save anyway.
    confirm_duplicate = forms.BooleanField(
        label=_("It is a different customer: save anyway"), required=False
    )

    class Meta:
        model = Customer
        fields = ["name", "industry", "region", "address", "tax_id", "website"]


class ContactForm(forms.ModelForm):
    confirm_duplicate = forms.BooleanField(
        label=_("It is a different person: save anyway"), required=False
    )

    class Meta:
        model = Contact
        fields = ["name", "title", "phone", "email"]


class NewCustomerForm(CustomerForm):
    """A new customer with, optionally, its first contact (whose phone is checked too)."""

    contact_name = forms.CharField(label=_("First contact"), max_length=100, required=False)
    contact_phone = forms.CharField(label=_("Contact's phone"), max_length=40, required=False)
    contact_email = forms.EmailField(label=_("Contact's e-mail"), required=False)

    field_order = [*CustomerForm.Meta.fields, "contact_name", "contact_phone", "contact_email"]


# The customer pool -------------------------------------------------------------------------------
class PoolReleaseForm(forms.Form):
    reason = forms.CharField(label=_("Why does it go back to the pool?"), max_length=2000)


class PoolAssignForm(forms.Form):
    owner = forms.ModelChoiceField(label=_("Assign to"), queryset=Customer.objects.none())

    def __init__(self, *args, users=None, **kwargs):
        from ltc.org.models import Role

        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = users.filter(
            role__in=[Role.REP, Role.MANAGER], is_active=True
        ).order_by("username")


class CustomerActivityForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[c for c in ActivityKind.choices if c[0] != "todo"]
    )
    note = forms.CharField(
        label=_("Note"), max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )
