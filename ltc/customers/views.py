from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from ltc.activity.services import transitions_of
from ltc.audit.history import page_of as field_history
from ltc.core.errors import DomainError
from ltc.core.pages import keyset_page
from ltc.core.tables import sort_by
from ltc.core.views import flash_refusal

from . import services
from .forms import ContactForm, CustomerForm, NewCustomerForm
from .models import Contact, Customer
from .pool_views import pool_panel
from .sections import sections_for

# Column headers that sort the customer list (ltc.core.tables): key → field.
SORTS = {"name": "name", "industry": "industry", "region": "region", "contacts": "contact_count"}
CUSTOMER_FIELDS = CustomerForm.Meta.fields
CONTACT_FIELDS = ContactForm.Meta.fields


@login_required
def customer_list(request):
    qs = (
        Customer.objects.visible_to(request.user)
        .select_related("owner")
        .annotate(contact_count=Count("contacts"))
    )
    query = request.GET.get("q", "").strip()
    if query:
        qs = qs.filter(name__icontains=query)
    qs, sorting = sort_by(request, qs.order_by("name", "id"), SORTS)
    page = keyset_page(request, qs)
    return render(
        request,
        "customers/list.html",
        {
            "page": page,
            "q": query,
            "sorting": sorting,
            "title": _("Customers"),
            "can_create": services.may_create_customer(request.user),
        },
    )


def _visible_customer(request, pk: int) -> Customer:
    return get_object_or_404(
        Customer.objects.visible_to(request.user).select_related("owner", "team", "pool"), pk=pk
    )


@login_required
def customer_detail(request, pk: int):
    """The customer 360 page: its details and contacts, then the sections the chain registers
    (leads, deals by stage, contracts, orders, invoices, activities, people), each scoped."""
    merged = Customer.objects.filter(pk=pk, merged_into__isnull=False).only("merged_into").first()
    if merged is not None:  # an old link to a merged duplicate leads to the survivor
        return redirect("customers:detail", pk=_visible_customer(request, merged.merged_into_id).pk)
    customer = _visible_customer(request, pk)
    contacts = Contact.objects.filter(customer=customer).order_by("name", "id")[:200]
    return render(
        request,
        "customers/detail.html",
        {
            "customer": customer,
            "contacts": contacts,
            "title": customer.name,
            "can_edit": services.may_edit_customer(request.user, customer),
            "can_edit_contacts": services.may_edit_contacts(request.user, customer),
            "can_merge": services.may_merge_customers(request.user),
            "sections": sections_for(request.user, customer),
            "pool": pool_panel(request.user, customer),
            "timeline": list(transitions_of(customer)[:50]),
            **field_history(customer),  # name, tax id, address, owner…: who, when, from, to
        },
    )


def _warned(request, form, *, exclude=None, customer=None) -> dict | None:
    """The duplicate warning to show before saving, unless the user confirmed it."""
    if form.cleaned_data.get("confirm_duplicate"):
        return None
    data = form.cleaned_data
    warning = services.duplicate_warning(
        request.user,
        name=data.get("name", "") if customer is None else "",
        tax_id=data.get("tax_id", ""),
        phone=data.get("phone", "") or data.get("contact_phone", ""),
        exclude=exclude,
    )
    if customer is not None and warning["any"]:
        # A contact: only a number already known at another customer is worth a warning.
        warning["visible"] = [c for c in warning["visible"] if c.pk != customer.pk]
        warning["any"] = bool(warning["visible"] or warning["hidden"])
    return warning if warning["any"] else None


@login_required
def customer_create(request):
    if not services.may_create_customer(request.user):
        raise PermissionDenied
    form = NewCustomerForm(request.POST or None)
    warning = None
    if request.method == "POST" and form.is_valid():
        warning = _warned(request, form)
        if warning is None:
            data = form.cleaned_data
            try:
                customer = services.create_customer(
                    by=request.user, **{f: data[f] for f in CUSTOMER_FIELDS}
                )
                if data.get("contact_name"):
                    services.save_contact(
                        by=request.user,
                        customer=customer,
                        name=data["contact_name"],
                        phone=data.get("contact_phone", ""),
                        email=data.get("contact_email", ""),
                    )
            except DomainError as exc:
                flash_refusal(request, exc)
            else:
                messages.success(request, _("Customer “%(name)s” created.") % {"name": customer})
                return redirect("customers:detail", pk=customer.pk)
    return render(
        request,
        "customers/form.html",
        {"form": form, "warning": warning, "title": _("New customer")},
    )


@login_required
def customer_edit(request, pk: int):
    customer = _visible_customer(request, pk)
    if not services.may_edit_customer(request.user, customer):
        raise PermissionDenied
    form = CustomerForm(request.POST or None, instance=Customer.objects.get(pk=customer.pk))
    warning = None
    if request.method == "POST" and form.is_valid():
        warning = _warned(request, form, exclude=customer)
        if warning is None:
            try:
                services.update_customer(
                    customer=customer,
                    by=request.user,
                    **{f: form.cleaned_data[f] for f in CUSTOMER_FIELDS},
                )
            except DomainError as exc:
                flash_refusal(request, exc)
            else:
                messages.success(request, _("Customer saved."))
                return redirect("customers:detail", pk=customer.pk)
    return render(
        request,
        "customers/form.html",
        {"form": form, "warning": warning, "customer": customer, "title": _("Edit customer")},
    )


@login_required
def contact_form(request, pk: int, contact_pk: int | None = None):
    customer = _visible_customer(request, pk)
    if not services.may_edit_contacts(request.user, customer):
        raise PermissionDenied
    contact = None
    if contact_pk is not None:
        contact = get_object_or_404(Contact, pk=contact_pk, customer=customer)
    form = ContactForm(request.POST or None, instance=contact)
    warning = None
    if request.method == "POST" and form.is_valid():
        warning = _warned(request, form, customer=customer)
        if warning is None:
            try:
                services.save_contact(
                    by=request.user,
                    contact=contact,
                    customer=customer,
                    **{f: form.cleaned_data[f] for f in CONTACT_FIELDS},
                )
            except DomainError as exc:
                flash_refusal(request, exc)
            else:
                messages.success(request, _("Contact saved."))
                return redirect("customers:detail", pk=customer.pk)
    title = _("Edit contact") if contact else _("New contact")
    return render(
        request,
        "customers/form.html",
        {"form": form, "warning": warning, "customer": customer, "title": title},
    )
