from django import forms
from django.utils.translation import gettext_lazy as _

from ltc.org.scoping import managed_users

from .models import ActivityKind


class PlanForm(forms.Form):
    kind = forms.ChoiceField(label=_("kind"), choices=ActivityKind.choices)
    title = forms.CharField(label=_("title"), max_length=200)
    due_at = forms.DateTimeField(
        label=_("due"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    duration_minutes = forms.IntegerField(
        label=_("duration (minutes)"), min_value=1, max_value=1440, initial=30
    )
    owner = forms.ChoiceField(label=_("owner"), required=False)
    note = forms.CharField(
        label=_("note"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        people = [(user.pk, str(user))] + [
            (u.pk, str(u))
            for u in managed_users(user)
            .filter(is_active=True)
            .exclude(pk=user.pk)
            .order_by("username")
        ]
        self.fields["owner"].choices = people
        self.fields["owner"].initial = user.pk
        if len(people) == 1:
            self.fields["owner"].widget = forms.HiddenInput()


class OutcomeForm(forms.Form):
    outcome = forms.CharField(
        label=_("outcome"), max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )
