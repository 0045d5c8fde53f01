from django import forms
from django.utils.translation import gettext_lazy as _


class UploadForm(forms.Form):
    file = forms.FileField(label=_("File"), required=False)
    kind = forms.CharField(label=_("Kind"), required=False, max_length=30)
    note = forms.CharField(label=_("Note"), required=False, max_length=300)
