from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ltc.core.errors import DomainError
from ltc.core.pages import keyset_page
from ltc.core.views import flash_refusal

from . import importing, selectors, services
from .forms import CatalogueImportForm, CostPriceForm
from .models import PriceBook, Product, ProductFamily
from .querysets import may_edit_catalogue, may_edit_costs, may_read_costs


@login_required
def product_list(request):
    query = request.GET.get("q", "").strip()[:100]
    family = request.GET.get("family", "").strip()[:40]
    products = selectors.products_for(request.user, query=query, family=family)
    page = keyset_page(request, products)
    return render(
        request,
        "products/product_list.html",
        {
            "page": page,
            "q": query,
            "family": family,
            "families": ProductFamily.objects.visible_to(request.user).filter(active=True),
            "can_import": may_edit_catalogue(request.user),
            "title": _("Catalogue"),
        },
    )


@login_required
def product_detail(request, pk: int):
    try:
        product = selectors.product_with_prices(request.user, pk)
    except Product.DoesNotExist:
        raise Http404
    return render(
        request,
        "products/product_detail.html",
        {
            "product": product,
            "show_costs": may_read_costs(request.user),
            "cost_form": CostPriceForm() if may_edit_costs(request.user) else None,
            "title": product.code,
        },
    )


@login_required
@require_POST
def set_cost(request, pk: int):
    product = get_object_or_404(Product.objects.visible_to(request.user), pk=pk)
    form = CostPriceForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            messages.error(request, f"{form.fields[field].label}: {errors[0]}")
        return redirect("products:detail", pk=pk)
    try:
        services.set_cost_price(by=request.user, product=product, **form.cleaned_data)
    except DomainError as error:
        messages.error(request, error.detail)
    else:
        messages.success(request, _("The cost price is saved."))
    return redirect("products:detail", pk=pk)


@login_required
def price_book_list(request):
    books = PriceBook.objects.visible_to(request.user).order_by("-is_standard", "name")
    return render(
        request, "products/price_book_list.html", {"books": books, "title": _("Price books")}
    )


@login_required
def price_book_detail(request, pk: int):
    book = get_object_or_404(PriceBook.objects.visible_to(request.user), pk=pk)
    entries = book.entries.select_related("product", "product__family").order_by(
        "product__code", "id"
    )
    page = keyset_page(request, entries, size=100)
    return render(
        request,
        "products/price_book_detail.html",
        {"book": book, "page": page, "title": book.name},
    )


@login_required
def import_catalogue(request):
    """Products, list prices and costs from a CSV or Excel file, with a report of every row."""
    if not may_edit_catalogue(request.user):
        raise PermissionDenied
    form = CatalogueImportForm(request.POST or None, request.FILES or None)
    results = None
    if request.method == "POST" and form.is_valid():
        try:
            records = importing.parse_upload(form.cleaned_data["file"])
            results = importing.import_rows(records=records, by=request.user)
        except DomainError as exc:
            flash_refusal(request, exc)
        else:
            imported = sum(1 for r in results if r.ok)
            messages.success(
                request,
                _("%(imported)s rows imported, %(refused)s rows refused.")
                % {"imported": imported, "refused": len(results) - imported},
            )
    return render(
        request,
        "products/import.html",
        {"form": form, "results": results, "title": _("Import the catalogue")},
    )
