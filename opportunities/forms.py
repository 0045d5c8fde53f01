"""The opportunity forms. They validate input and offer only what the user may pick; the
services decide every rule (a form never writes the stage, the state or the grade)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ltc.activity.models import ActivityKind
from ltc.core.dates import long_ahead_business_date
from ltc.core.money import Currency
from ltc.customers.models import Contact, Customer
from ltc.org.models import Role, User
from ltc.org.scoping import visible_users

from . import fieldspec
from .models import Attitude, DecisionRole, Grade, LossReason, Opportunity, ReviewKind

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TEXT = forms.Textarea(attrs={"rows": 3})
SR_ROLES = [Role.SOLUTION, Role.MANAGER]
FR_ROLES = [Role.DELIVERY, Role.MANAGER]
MIN_AMOUNT = Decimal("0.01")


def triangle_candidates(user, roles) -> QuerySet[User]:
    """The users ``user`` may see who can take an SR or FR seat."""
    return visible_users(user).filter(role__in=roles).order_by("username")


class OpportunityCreateForm(forms.Form):
    customer = forms.ModelChoiceField(label=_("Customer"), queryset=Customer.objects.none())
    name = forms.CharField(label=_("Opportunity name"), max_length=200)
    amount = forms.DecimalField(
        label=_("Amount"), max_digits=16, decimal_places=2, min_value=MIN_AMOUNT
    )
    currency = forms.ChoiceField(
        label=_("Currency"), choices=Currency.choices, initial=Currency.CNY
    )
    expected_close_date = forms.DateField(
        label=_("Expected close date"), widget=DATE, validators=[long_ahead_business_date]
    )
    partner = forms.CharField(
        label=_("Partner"),
        max_length=200,
        required=False,
        help_text=_(
            "Name a partner only for a partner-led deal: it becomes grade E (registration track)."
        ),
    )
    solution_owner = forms.ModelChoiceField(
        label=_("Solution responsible (SR)"), queryset=User.objects.none(), required=False
    )
    fulfillment_owner = forms.ModelChoiceField(
        label=_("Fulfillment responsible (FR)"), queryset=User.objects.none(), required=False
    )
    needs = forms.CharField(
        label=_("Customer needs"), max_length=10000, required=False, widget=TEXT
    )

    def __init__(self, *args, user, **kwargs):
        kwargs.setdefault(
            "initial", {"expected_close_date": timezone.localdate() + timedelta(days=90)}
        )
        super().__init__(*args, **kwargs)
        self.fields["customer"].queryset = Customer.objects.visible_to(user).order_by("name", "id")
        self.fields["solution_owner"].queryset = triangle_candidates(user, SR_ROLES)
        self.fields["fulfillment_owner"].queryset = triangle_candidates(user, FR_ROLES)


class ConvertForm(forms.Form):
    opportunity_name = forms.CharField(label=_("Opportunity name"), max_length=200)
    amount = forms.DecimalField(
        label=_("Amount"), max_digits=16, decimal_places=2, min_value=MIN_AMOUNT
    )
    expected_close_date = forms.DateField(
        label=_("Expected close date"), widget=DATE, validators=[long_ahead_business_date]
    )
    customer = forms.ModelChoiceField(
        label=_("Customer"), queryset=Customer.objects.none(), required=False
    )

    def __init__(self, *args, user, lead, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["customer"]
        field.queryset = Customer.objects.visible_to(user).order_by("name", "id")
        field.empty_label = _("Create it from the lead's company: %(company)s") % {
            "company": lead.company_name
        }
        field.help_text = _(
            "An existing customer with the same name is linked instead of creating a new one."
        )


class OpportunityEditForm(forms.ModelForm):
    """The editable details. The iron triangle is offered only to those who form it (the AR and
    the managers); the partner field only on partner-led deals."""

    class Meta:
        model = Opportunity
        fields = list(fieldspec.EDITABLE)  # opportunities/fieldspec.py
        widgets = {
            "expected_close_date": DATE,
            "bid_date": DATE,
            "needs": TEXT,
            "value_proposition": TEXT,
        }

    def __init__(self, *args, user, may_form_triangle: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["expected_close_date"].validators.append(long_ahead_business_date)
        self.fields["bid_date"].validators.append(long_ahead_business_date)
        if may_form_triangle:
            self.fields["solution_owner"].queryset = triangle_candidates(user, SR_ROLES)
            self.fields["fulfillment_owner"].queryset = triangle_candidates(user, FR_ROLES)
        else:
            del self.fields["solution_owner"], self.fields["fulfillment_owner"]
        if self.instance.grade != Grade.E:
            del self.fields["partner"]
        else:
            self.fields["partner"].required = True


class AdvanceForm(forms.Form):
    to_stage = forms.SlugField(label=_("To stage"), max_length=40, required=False)


class TaskCompleteForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=5000, required=False)


ASSESSMENT_LABELS = {
    "relationship_assessment": _("Customer relationship and decision chain (AR)"),
    "solution_assessment": _("Solution and competition (SR)"),
    "delivery_assessment": _("Deliverability and risk (FR)"),
}


def _assessment_field(name: str) -> forms.CharField:
    return forms.CharField(
        label=ASSESSMENT_LABELS[name], max_length=5000, required=False, widget=TEXT
    )


class ReviewRequestForm(forms.Form):
    kind = forms.ChoiceField(label=_("Review"), choices=ReviewKind.choices)

    def __init__(self, *args, kinds=None, assessments=(), **kwargs):
        super().__init__(*args, **kwargs)
        if kinds is not None:
            self.fields["kind"].choices = [
                (k, label) for k, label in ReviewKind.choices if k in kinds
            ]
        for name in assessments:
            self.fields[name] = _assessment_field(name)


class AssessForm(forms.Form):
    def __init__(self, *args, assessments=(), **kwargs):
        super().__init__(*args, **kwargs)
        for name in assessments:
            self.fields[name] = _assessment_field(name)

    def clean(self):
        data = super().clean()
        if not any((value or "").strip() for value in data.values()):
            raise forms.ValidationError(_("Write your assessment."))
        return data


class DecideForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("approve", _("Approve")), ("reject", _("Reject"))], widget=forms.HiddenInput
    )
    comment = forms.CharField(label=_("Comment"), max_length=5000, required=False, widget=TEXT)


class LoseForm(forms.Form):
    """Reason and lessons are checked by the service, which names every missing item at once."""

    outcome = forms.ChoiceField(
        label=_("Outcome"),
        widget=forms.RadioSelect,
        initial="lost",
        choices=[
            ("lost", _("Lost: the customer chose another")),
            ("abandoned", _("Abandoned: we walk away")),
        ],
    )
    reason = forms.ChoiceField(
        label=_("Reason"), choices=[("", "—"), *LossReason.choices], required=False
    )
    competitor = forms.CharField(
        label=_("Winning competitor (where known)"), max_length=200, required=False
    )
    lessons = forms.CharField(
        label=_("Lessons learned"), max_length=10000, required=False, widget=TEXT
    )


class RegradeForm(forms.Form):
    grade = forms.ChoiceField(
        label=_("New grade"), choices=[(g, label) for g, label in Grade.choices if g != "E"]
    )
    reason = forms.CharField(label=_("Why (e.g. a flagship project)"), max_length=2000, widget=TEXT)


class DecisionChainForm(forms.Form):
    """A contact of the deal's customer, or a new one typed in the same form."""

    contact = forms.ModelChoiceField(
        label=_("Contact"),
        queryset=Contact.objects.none(),
        required=False,
        empty_label=_("— a new contact (below) —"),
    )
    new_name = forms.CharField(label=_("New contact: name"), max_length=100, required=False)
    new_title = forms.CharField(label=_("New contact: job title"), max_length=100, required=False)
    new_phone = forms.CharField(label=_("New contact: phone"), max_length=40, required=False)
    new_email = forms.EmailField(label=_("New contact: e-mail"), required=False)
    role = forms.ChoiceField(label=_("Role in the decision"), choices=DecisionRole.choices)
    attitude = forms.ChoiceField(
        label=_("Attitude"), choices=Attitude.choices, initial=Attitude.NEUTRAL
    )
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def __init__(self, *args, customer, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact"].queryset = Contact.objects.filter(customer=customer).order_by(
            "name", "id"
        )

    def clean(self):
        data = super().clean()
        if not data.get("contact") and not (data.get("new_name") or "").strip():
            raise forms.ValidationError(_("Choose a contact of the customer or name a new one."))
        return data


class CompetitorForm(forms.Form):
    name = forms.CharField(label=_("Competitor"), max_length=200)
    strengths = forms.CharField(label=_("Strengths"), max_length=2000, required=False, widget=TEXT)
    weaknesses = forms.CharField(
        label=_("Weaknesses"), max_length=2000, required=False, widget=TEXT
    )


class ActivityForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ActivityKind.choices)
    note = forms.CharField(
        label=_("Note"), max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )
