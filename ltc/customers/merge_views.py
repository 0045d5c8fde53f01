"""The customer merge page: pick the duplicate, see both side by side, pick each field."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from ltc.core.errors import DomainError
from ltc.core.merge import foreign_keys_to
from ltc.core.views import flash_refusal

from . import services
from .merging import KEEP, MERGE_FIELDS, OTHER, merge_customers
from .models import Customer


def _related_counts(customer) -> list[tuple[str, int]]:
    """How many rows of each kind point at ``customer``: one query per relation (a fixed
    number, whatever the rows)."""
    counts = []
    for model, name in foreign_keys_to(Customer):
        n = model._base_manager.filter(**{name: customer.pk}).count()
        if n:
            counts.append((str(model._meta.verbose_name_plural), n))
    return counts


@login_required
def merge(request, pk: int):
    if not services.may_merge_customers(request.user):
        raise PermissionDenied
    visible = Customer.objects.visible_to(request.user).select_related("owner", "team")
    keep = get_object_or_404(visible, pk=pk)
    other_id = request.POST.get("other") or request.GET.get("other")
    other = None
    if other_id:
        try:
            other = visible.exclude(pk=keep.pk).filter(pk=int(other_id)).first()
        except ValueError:
            other = None
        if other is None:
            messages.error(request, _("Pick another customer you can see."))
    if request.method == "POST" and other is not None:
        picks = {
            name: request.POST.get(f"pick_{name}", KEEP)
            for name, _label in MERGE_FIELDS
            if request.POST.get(f"pick_{name}")
        }
        try:
            merge_customers(keep=keep, other=other, by=request.user, picks=picks)
        except DomainError as exc:
            flash_refusal(request, exc)
        else:
            messages.success(
                request, _("“%(other)s” was merged into this customer.") % {"other": other.name}
            )
            return redirect("customers:detail", pk=keep.pk)
    candidates = list(
        services.similar_customers(name=keep.name, tax_id=keep.tax_id, exclude=keep)
        .visible_to(request.user)
        .order_by("name", "id")[:20]
    )
    rows = []
    if other is not None:
        for name, label in MERGE_FIELDS:
            mine, theirs = getattr(keep, name), getattr(other, name)
            rows.append(
                {
                    "name": name,
                    "label": label,
                    "keep": mine,
                    "other": theirs,
                    "same": mine == theirs,
                    "default": OTHER if not mine and theirs else KEEP,
                }
            )
    return render(
        request,
        "customers/merge.html",
        {
            "customer": keep,
            "other": other,
            "rows": rows,
            "candidates": candidates,
            "keep_counts": _related_counts(keep) if other else [],
            "other_counts": _related_counts(other) if other else [],
            "title": _("Merge a duplicate into %(name)s") % {"name": keep.name},
        },
    )
