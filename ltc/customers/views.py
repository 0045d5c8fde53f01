from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _

from ltc.audit.history import page_of as field_history
from ltc.core.tables import sort_by

from .models import Contact, Customer

# Column headers that sort the customer list (ltc.core.tables): key → field.
SORTS = {"name": "name", "industry": "industry", "region": "region", "contacts": "contact_count"}


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
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "customers/list.html",
        {"page": page, "q": query, "sorting": sorting, "title": _("Customers")},
    )


@login_required
def customer_detail(request, pk: int):
    customer = get_object_or_404(
        Customer.objects.visible_to(request.user).select_related("owner", "team"), pk=pk
    )
    contacts = Contact.objects.filter(customer=customer).order_by("name")
    return render(
        request,
        "customers/detail.html",
        {
            "customer": customer,
            "contacts": contacts,
            "title": customer.name,
            **field_history(customer),  # name, tax id, address, owner…: who, when, from, to
        },
    )
