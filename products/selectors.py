"""What the catalogue pages read: products with their family and list prices, scoped."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet

from .models import CostPrice, PriceBookEntry, Product
from .querysets import may_read_costs


def products_for(user, *, query: str = "", family: str = "", active_only: bool = True) -> QuerySet:
    qs = Product.objects.visible_to(user).select_related("family")
    if active_only:
        qs = qs.filter(active=True)
    if query:
        qs = qs.filter(
            Q(code__icontains=query)
            | Q(name_zh_hans__icontains=query)
            | Q(name_en__icontains=query)
        )
    if family:
        qs = qs.filter(family__code=family)
    return qs.order_by("code", "id")


def product_with_prices(user, pk: int) -> Product:
    """The product, its list prices (book by book) and, for who may read them, its costs."""
    prefetches = [
        Prefetch(
            "prices",
            queryset=PriceBookEntry.objects.select_related("price_book").order_by(
                "-price_book__is_standard", "price_book__name"
            ),
        )
    ]
    if may_read_costs(user):
        prefetches.append(
            Prefetch(
                "costs",
                queryset=CostPrice.objects.select_related("updated_by").order_by("currency"),
            )
        )
    return (
        Product.objects.visible_to(user)
        .select_related("family")
        .prefetch_related(*prefetches)
        .get(pk=pk)
    )
