from django import forms
from django.utils.translation import gettext_lazy as _

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
