"""The commercial policy, and quotes and contracts as configuration screens see them. A contract's
state never changes here; a draft's fields change through ``services.update_contract``, and each
one is read-only for whoever the field table (``contracts.fields``) does not let set it."""

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from ltc.core.admin import ReadOnlyAdminMixin
from ltc.core.errors import DomainError, NotAllowed

from . import fields as commercial_fields
from . import services
from .models import CommercialPolicy, Contract, ContractState, Quote, QuoteLine

# The draft's fields the admin may change (the margin is computed, the terms have their form).
EDITABLE = [f for f in services.EDITABLE_FIELDS if f != "margin_percent"]


@admin.register(CommercialPolicy)
class CommercialPolicyAdmin(admin.ModelAdmin):
    """The discount that needs a manager's approval and the margin floor of contract reviews."""

    list_display = ("quote_discount_threshold", "margin_floor")

    def has_add_permission(self, request):
        return not CommercialPolicy.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


class QuoteLineInline(admin.TabularInline):
    model = QuoteLine
    extra = 0
    can_delete = False
    fields = (
        "position",
        "product_code",
        "description",
        "quantity",
        "unit_price",
        "discount_percent",
        "amount",
        "unit_cost",
    )
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Quote)
class QuoteAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: quotes change through the app and the API (their lines, costs and discount
    approvals have their own rules)."""

    list_display = ("number", "opportunity", "state", "total", "currency", "cost_total")
    list_filter = ("state",)
    list_select_related = ("opportunity",)
    search_fields = ("number", "opportunity__name")
    inlines = [QuoteLineInline]

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)


class ContractAdminForm(forms.ModelForm):
    """Checks every changed field against the field table before anything is saved, so a
    refusal shows next to its field."""

    risk_cleared_reason = forms.CharField(
        label=_("Why is the risk cleared?"), max_length=2000, required=False, widget=forms.Textarea
    )

    user = None  # set per request by ContractAdmin.get_form

    class Meta:
        model = Contract
        fields = [*EDITABLE, "risk_cleared_reason"]

    def clean(self):
        data = super().clean()
        contract = self.instance
        if contract.pk is None or self.user is None:
            return data
        original = Contract.objects.select_related("opportunity").get(pk=contract.pk)
        changed = {name: data[name] for name in self.changed_data if name in EDITABLE}
        try:
            commercial_fields.require(self.user, original, changed)
        except NotAllowed as refused:
            for item in refused.missing:
                self.add_error(item.code if item.code in self.fields else None, str(item.label))
        if original.is_risky and changed.get("is_risky") is False:
            if not (data.get("risk_cleared_reason") or "").strip():
                self.add_error("risk_cleared_reason", _("Say why the risk is cleared."))
        return data


@admin.register(Contract)
class ContractAdmin(admin.ModelAdmin):
    list_display = ("number", "title", "customer", "amount", "currency", "state", "is_risky")
    list_filter = ("state", "is_risky", "currency")
    list_select_related = ("customer",)
    search_fields = ("number", "title", "customer__name")
    form = ContractAdminForm
    # Never deleted (ltc/core/deletion.py): cancelled, through the same service as in the app.
    actions = ["cancel_selected"]
    fields = (
        "number",
        "state",
        "version",
        "opportunity",
        "customer",
        "quote",
        "title",
        "amount",
        "currency",
        "our_party",
        "customer_party",
        "customer_tax_id",
        "customer_address",
        "schedule",
        "cost_amount",
        "cost_note",
        "cost_source",
        "cost_by",
        "cost_at",
        "margin",
        "cost_risk",
        "is_risky",
        "risk_cleared_reason",
        "risk_cleared_by",
        "risk_cleared_at",
        "signed_on",
        "created_by",
        "created_at",
    )

    @admin.display(description=_("margin (%)"))
    def margin(self, contract):
        return contract.margin_percent

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        form.user = request.user
        return form

    def get_readonly_fields(self, request, obj=None):
        everything = [name for name in self.fields if name != "risk_cleared_reason"]
        if obj is None or obj.state != ContractState.DRAFT:
            return [*everything, "risk_cleared_reason"]
        who = commercial_fields.parties(request.user, obj)
        editable = set()
        for name in EDITABLE:
            access = commercial_fields.access(request.user, obj, name, who=who)
            # A risk the user may only raise stays read-only once raised.
            if access == commercial_fields.SET or (
                access == commercial_fields.RAISE and not (name == "is_risky" and obj.is_risky)
            ):
                editable.add(name)
        if not (obj.is_risky and "is_risky" in editable):
            editable.discard("risk_cleared_reason")
        else:
            editable.add("risk_cleared_reason")
        return [name for name in self.fields if name not in editable]

    def save_model(self, request, obj, form, change):
        values = {name: form.cleaned_data[name] for name in form.changed_data if name in EDITABLE}
        if not values:
            return
        try:
            services.update_contract(
                contract=obj,
                by=request.user,
                risk_cleared_reason=form.cleaned_data.get("risk_cleared_reason") or "",
                **values,
            )
        except DomainError as refused:  # e.g. no longer a draft since the form was opened
            messages.error(request, str(refused.detail))

    def has_add_permission(self, request):
        return False  # contracts are drafted from their deal, in the app or the API

    @admin.action(description=_("Cancel the selected contracts"))
    def cancel_selected(self, request, queryset):
        reason = _("Cancelled in the administration by %(user)s.") % {"user": request.user}
        cancelled = 0
        for contract in queryset.order_by("pk"):
            try:
                services.cancel_contract(contract=contract, by=request.user, reason=str(reason))
            except DomainError as refused:
                messages.error(request, f"{contract.number}: {refused.detail}")
            else:
                cancelled += 1
        if cancelled:
            messages.success(request, _("%(count)s contracts cancelled.") % {"count": cancelled})

    def has_delete_permission(self, request, obj=None):
        return False
