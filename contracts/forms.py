"""The quote and contract forms. They validate input shapes and offer only what the user may pick;
the services decide every rule (a form never writes a state, a total or a version)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ltc.core.dates import business_date, long_ahead_business_date
from ltc.core.money import Currency
from opportunities.forms import DATE, TEXT
from products.models import PriceBook, Product

from . import fields as commercial_fields
from .models import Evaluation, Trigger

PERCENT = {"max_digits": 5, "decimal_places": 2}
MONEY = {"max_digits": 16, "decimal_places": 2}


# Quotes ------------------------------------------------------------------------------------------
class QuoteForm(forms.Form):
    valid_until = forms.DateField(label=_("Valid until"), widget=DATE, validators=[business_date])
    currency = forms.ChoiceField(label=_("Currency"), choices=Currency.choices)
    # The books valid today (``pricing.offered_price_books``); the view sets the choices.
    price_book = forms.ModelChoiceField(
        label=_("Price book"),
        queryset=PriceBook.objects.none(),
        required=False,
        empty_label=_("— none (free-text lines only) —"),
    )
    notes = forms.CharField(label=_("Notes"), max_length=5000, required=False, widget=TEXT)


class QuoteLineForm(forms.Form):
    # Searchable: typed into a field that offers the catalogue (a datalist of codes and names).
    product = forms.ModelChoiceField(
        label=_("Product"),
        queryset=Product.objects.filter(active=True),
        to_field_name="code",
        required=False,
        widget=forms.TextInput(attrs={"list": "catalogue-products", "autocomplete": "off"}),
        error_messages={"invalid_choice": _("No active product has this code.")},
    )
    product_code = forms.CharField(label=_("Product code"), max_length=60, required=False)
    description = forms.CharField(label=_("Description"), max_length=300, required=False)
    quantity = forms.DecimalField(
        label=_("Quantity"), max_digits=12, decimal_places=2, min_value=Decimal("0.01")
    )
    unit_price = forms.DecimalField(
        label=_("Unit price"), min_value=Decimal("0"), required=False, **MONEY
    )
    discount_percent = forms.DecimalField(
        label=_("Discount (%)"),
        min_value=Decimal("0"),
        max_value=Decimal("100"),
        required=False,
        **PERCENT,
    )

    def clean(self):
        data = super().clean()
        if not data.get("product"):
            # A free-text line says what it is and what it costs the customer.
            if not data.get("description"):
                self.add_error("description", _("Describe a line without a product."))
            if data.get("unit_price") is None and "unit_price" not in self.errors:
                self.add_error("unit_price", _("Price a line without a product."))
        return data


QuoteLineFormSet = forms.formset_factory(QuoteLineForm, extra=3, can_delete=True, max_num=200)


class ReviseForm(forms.Form):
    valid_until = forms.DateField(
        label=_("New version valid until"),
        widget=DATE,
        required=False,
        validators=[business_date],
    )


class QuoteAnswerForm(forms.Form):
    answer = forms.ChoiceField(
        choices=[("accepted", _("Accepted")), ("declined", _("Declined"))],
        widget=forms.HiddenInput,
    )


# Contracts ---------------------------------------------------------------------------------------
def apply_field_rules(form: forms.Form, user, target) -> None:
    """Offer only what ``user`` may set (``contracts.fields``): a field they may not set is
    disabled (it shows its value, and what is posted for it is ignored) with who sets it; a
    risk they may only raise says who clears it."""
    who = commercial_fields.parties(user, target)
    label = target._meta.label
    for name, field in form.fields.items():
        if (label, name) not in commercial_fields.RULES:
            continue
        rule = commercial_fields.rule(label, name)
        access = commercial_fields.access(user, target, name, who=who)
        if access == commercial_fields.NONE:
            field.disabled = True
            field.help_text = _("Set by %(who)s.") % {"who": rule.who}
        elif access == commercial_fields.RAISE:
            if name == "is_risky" and getattr(target, name, False):
                field.disabled = True
            field.help_text = _("You may raise a risk; clearing it is for %(who)s.") % {
                "who": rule.clear_who
            }


class ContractForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    amount = forms.DecimalField(label=_("Amount"), min_value=Decimal("0.01"), **MONEY)
    currency = forms.ChoiceField(label=_("Currency"), choices=Currency.choices)
    our_party = forms.CharField(label=_("Our party"), max_length=200, required=False)
    customer_party = forms.CharField(label=_("Customer party"), max_length=200, required=False)
    cost_amount = forms.DecimalField(
        label=_("Cost (the margin is computed from it)"),
        min_value=Decimal("0"),
        required=False,
        **MONEY,
    )
    cost_note = forms.CharField(label=_("Basis of the cost"), max_length=500, required=False)
    schedule = forms.CharField(label=_("Schedule"), max_length=5000, required=False, widget=TEXT)
    cost_risk = forms.CharField(label=_("Cost risk"), max_length=5000, required=False, widget=TEXT)
    is_risky = forms.BooleanField(
        label=_("Risky contract: the review escalates to a second approver"), required=False
    )
    risk_cleared_reason = forms.CharField(
        label=_("Why is the risk cleared?"), max_length=2000, required=False, widget=TEXT
    )

    def __init__(self, *args, user=None, target=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None and target is not None:
            apply_field_rules(self, user, target)
            may_clear = commercial_fields.access(user, target, "is_risky") == commercial_fields.SET
            if not (target.is_risky and may_clear):
                del self.fields["risk_cleared_reason"]
        else:
            del self.fields["risk_cleared_reason"]


class ContractCostForm(forms.Form):
    """The cost assessment of the SR, finance or a manager."""

    cost_amount = forms.DecimalField(
        label=_("Cost"), min_value=Decimal("0"), max_value=Decimal("1e13"), **MONEY
    )
    note = forms.CharField(label=_("Basis of the cost"), max_length=500, required=False)


class ClearRiskForm(forms.Form):
    reason = forms.CharField(label=_("Why is the risk cleared?"), max_length=2000, widget=TEXT)


class QuoteCostsForm(forms.Form):
    """One unit cost per line of the quote (``cost-<position>``), empty while unknown."""

    def __init__(self, *args, lines=(), **kwargs):
        super().__init__(*args, **kwargs)
        for line in lines:
            self.fields[f"cost-{line.position}"] = forms.DecimalField(
                label=_("Unit cost of line %(n)s (%(description)s)")
                % {"n": line.position, "description": line.description},
                min_value=Decimal("0"),
                required=False,
                initial=line.unit_cost,
                **MONEY,
            )

    def costs(self) -> list[dict]:
        return [
            {"position": int(name.split("-", 1)[1]), "unit_cost": value}
            for name, value in self.cleaned_data.items()
        ]


class PaymentTermForm(forms.Form):
    label = forms.CharField(label=_("Milestone"), max_length=200)
    percent = forms.DecimalField(
        label=_("Percent"), min_value=Decimal("0.01"), max_value=Decimal("100"), **PERCENT
    )
    # The initial is the select's first choice, so the formset's untouched extra row stays
    # "unchanged" and is not validated as a half-filled milestone.
    trigger = forms.ChoiceField(
        label=_("Trigger"), choices=Trigger.choices, initial=Trigger.SIGNING
    )
    due_date = forms.DateField(
        label=_("Due date"), widget=DATE, required=False, validators=[long_ahead_business_date]
    )
    days_to_pay = forms.IntegerField(label=_("Days to pay"), min_value=0, max_value=365, initial=30)


PaymentTermFormSet = forms.formset_factory(PaymentTermForm, extra=1, can_delete=True, max_num=50)


def default_terms() -> list[dict]:
    """30% on signing, 60% on acceptance, 10% one year later (the warranty period)."""
    return [
        {"label": _("Advance"), "percent": Decimal("30"), "trigger": Trigger.SIGNING},
        {"label": _("On acceptance"), "percent": Decimal("60"), "trigger": Trigger.ACCEPTANCE},
        {
            "label": _("After the warranty period"),
            "percent": Decimal("10"),
            "trigger": Trigger.DATE,
            "due_date": timezone.localdate() + timedelta(days=365),
        },
    ]


class SignForm(forms.Form):
    signed_on = forms.DateField(
        label=_("Signed on"), widget=DATE, required=False, validators=[business_date]
    )


class EvaluationForm(forms.Form):
    profitability = forms.ChoiceField(
        label=_("Profitability"), choices=Evaluation.Profitability.choices
    )
    schedule_kept = forms.BooleanField(label=_("Schedule kept"), required=False)
    acceptance_smooth = forms.BooleanField(label=_("Acceptance went smoothly"), required=False)
    score = forms.TypedChoiceField(
        label=_("Score (1–5)"), coerce=int, choices=[(n, str(n)) for n in range(1, 6)]
    )
    lessons = forms.CharField(label=_("Lessons"), max_length=10000, widget=TEXT)


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Why is it cancelled?"), max_length=2000, widget=TEXT)


class ChangeRequestForm(forms.Form):
    description = forms.CharField(label=_("Change"), max_length=5000, widget=TEXT)
    amount_delta = forms.DecimalField(label=_("Amount change (+/−)"), initial=Decimal("0"), **MONEY)


CHANGE_ASSESSMENT_LABELS = {
    "fr_assessment": _("Deliverability and cost (FR)"),
    "sr_assessment": _("Technical assessment (SR)"),
}


class ChangeAssessForm(forms.Form):
    def __init__(self, *args, assessments=(), **kwargs):
        super().__init__(*args, **kwargs)
        for name in assessments:
            self.fields[name] = forms.CharField(
                label=CHANGE_ASSESSMENT_LABELS[name], max_length=5000, required=False, widget=TEXT
            )

    def clean(self):
        data = super().clean()
        if not any((value or "").strip() for value in data.values()):
            raise forms.ValidationError(_("Write your assessment."))
        return data
