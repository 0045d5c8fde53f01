"""The customer pool pages: the pool, and the pool actions of the customer page. Same services
and scoping as the API (ltc.customers.pool); views only translate errors."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ltc.core.errors import DomainError
from ltc.core.pages import keyset_page
from ltc.core.views import flash_form_errors, flash_refusal, safe_next
from ltc.org.models import Role, User
from ltc.org.scoping import managed_users, visible_users

from . import pool
from .forms import CustomerActivityForm, PoolAssignForm, PoolReleaseForm
from .models import Customer, PoolState
from .services import may_edit_customer


def assignable_users(user):
    if user.is_superuser or user.role == Role.ADMIN:
        return visible_users(user)
    return User.objects.filter(Q(pk__in=managed_users(user)) | Q(pk=user.pk))


@login_required
def pool_page(request):
    if not pool.may_see_pool(request.user):
        raise PermissionDenied
    now = timezone.now()
    qs = Customer.objects.in_pool_of(request.user).select_related("pool").order_by("name", "id")
    query = request.GET.get("q", "").strip()[:100]
    if query:
        qs = qs.filter(name__icontains=query)
    page = keyset_page(request, qs)
    blockers = pool.claim_blockers(request.user, page.object_list, now)
    rows = [(customer, blockers[customer.pk]) for customer in page.object_list]
    due_soon = (
        Customer.objects.filter(
            owner=request.user,
            pool_state=PoolState.HELD,
            pool_due_at__lt=now + timedelta(days=7),
        )
        .order_by("pool_due_at", "id")
        .only("name", "pool_due_at")[:20]
    )
    return render(
        request,
        "customers/pool.html",
        {
            "page": page,
            "rows": rows,
            "q": query,
            "due_soon": due_soon,
            "can_claim": pool.may_claim(request.user),
            "title": _("Customer pool"),
        },
    )


def pool_panel(user, customer: Customer) -> dict:
    """What the customer page shows of the pool: the state, the clock, and the actions the
    user may take (or why the claim is refused)."""
    now = timezone.now()
    panel = {"customer": customer, "now": now}
    if customer.is_pooled:
        panel["claim_blockers"] = pool.claim_blockers(user, [customer], now)[customer.pk]
        panel["show_claim"] = pool.may_see_pool(user)
    elif customer.pool_id and pool.may_release(user, customer):
        panel["release_form"] = PoolReleaseForm()
    if not customer.is_pooled and may_edit_customer(user, customer):
        panel["activity_form"] = CustomerActivityForm()
    if pool.may_assign(user) and (customer.pool_id or customer.owner_id):
        panel["assign_form"] = PoolAssignForm(users=assignable_users(user))
    return panel


def _action(request, pk: int, run, success: str, form_class=None, scope=None):
    scope = scope if scope is not None else Customer.objects.visible_to(request.user)
    customer = get_object_or_404(scope.select_related("pool", "owner"), pk=pk)
    data = {}
    if form_class is not None:
        extra = {"users": assignable_users(request.user)} if form_class is PoolAssignForm else {}
        form = form_class(request.POST, **extra)
        if not form.is_valid():
            flash_form_errors(request, form)
            return redirect("customers:detail", pk=customer.pk)
        data = form.cleaned_data
    try:
        run(customer, data)
    except DomainError as exc:
        flash_refusal(request, exc)
    else:
        messages.success(request, success)
    target = safe_next(request)
    if target:
        return redirect(target)
    if not Customer.objects.visible_to(request.user).filter(pk=customer.pk).exists():
        return redirect("customers:pool")
    return redirect("customers:detail", pk=customer.pk)


@login_required
@require_POST
def claim(request, pk: int):
    return _action(
        request,
        pk,
        lambda c, d: pool.claim_customer(customer=c, user=request.user),
        _("Customer claimed: it is yours now."),
        scope=Customer.objects.claimable_by(request.user),
    )


@login_required
@require_POST
def assign(request, pk: int):
    return _action(
        request,
        pk,
        lambda c, d: pool.assign_customer(customer=c, owner=d["owner"], by=request.user),
        _("Customer assigned."),
        PoolAssignForm,
    )


@login_required
@require_POST
def release(request, pk: int):
    return _action(
        request,
        pk,
        lambda c, d: pool.release_customer(customer=c, user=request.user, reason=d["reason"]),
        _("Customer released to the pool."),
        PoolReleaseForm,
    )


@login_required
@require_POST
def log_activity(request, pk: int):
    return _action(
        request,
        pk,
        lambda c, d: pool.log_customer_activity(customer=c, user=request.user, **d),
        _("Activity logged; the customer's pool clock starts again."),
        CustomerActivityForm,
    )
