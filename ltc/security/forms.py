from django import forms
from django.utils.translation import gettext_lazy as _


class TokenForm(forms.Form):
    client = forms.CharField(
        label=_("Client or device"),
        max_length=100,
        help_text=_("E.g. “ERP sync” or “my laptop”: a new token replaces the one of that name."),
    )
