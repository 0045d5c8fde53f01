"""Who sees which billing record: finance, admins and integrations see all billing; the iron
triangle and the managers of a deal see its contract's invoices and credit notes, and the payments
allocated to those invoices."""

from __future__ import annotations

from django.db import models

from ltc.org.models import Role
from opportunities.querysets import opportunity_scope

BILLING_ROLES = {Role.FINANCE, Role.ADMIN, Role.INTEGRATION}


def sees_all_billing(user) -> bool:
    return bool(user.is_superuser or user.role in BILLING_ROLES)


def billing_scope(user, prefix: str) -> models.Q:
    """The records under the contracts ``user`` may see, ``prefix`` leading to the contract."""
    if sees_all_billing(user):
        return models.Q()
    return opportunity_scope(user, prefix=f"{prefix}opportunity__")


class InvoiceQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(billing_scope(user, "contract__"))


class CreditNoteQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(billing_scope(user, "invoice__contract__"))


class AllocationQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(billing_scope(user, "invoice__contract__"))

    def live(self):
        return self.filter(released_at__isnull=True)


class PaymentQuerySet(models.QuerySet):
    def visible_to(self, user):
        if sees_all_billing(user):
            return self.all()
        from .models import Allocation

        seen = Allocation.objects.visible_to(user).values("payment_id")
        return self.filter(pk__in=seen)
