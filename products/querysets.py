"""Who sees what of the catalogue: every signed-in role reads products and price books (a quote
needs them); cost prices are finance's, read by those who judge margins."""

from __future__ import annotations

from datetime import date

from django.db import models

from ltc.org.models import Role
from ltc.org.scoping import is_partner_user

# Who reads cost prices (and so margins per product); finance and admin also write them.
COST_READERS = {Role.FINANCE, Role.ADMIN, Role.MANAGER, Role.SOLUTION}
COST_WRITERS = {Role.FINANCE, Role.ADMIN}


def may_read_costs(user) -> bool:
    return bool(user and user.is_authenticated and user.has_role(*COST_READERS))


def may_edit_costs(user) -> bool:
    return bool(user and user.is_authenticated and user.has_role(*COST_WRITERS))


def may_edit_catalogue(user) -> bool:
    """Admins, and the ERP (an integration user; its token also needs ``catalogue:write``)."""
    return bool(user and user.is_authenticated and user.has_role(Role.ADMIN, Role.INTEGRATION))


class CatalogueQuerySet(models.QuerySet):
    def visible_to(self, user):
        # A partner user sees no price list: their portal names no product.
        if not (user and user.is_authenticated) or is_partner_user(user):
            return self.none()
        return self.all()


class ProductQuerySet(CatalogueQuerySet):
    def active(self):
        return self.filter(active=True)


class PriceBookQuerySet(CatalogueQuerySet):
    def valid_on(self, day: date):
        """The books a quote dated ``day`` may price from: active, and ``day`` within their
        validity (an open end means no end)."""
        return self.filter(active=True, valid_from__lte=day).filter(
            models.Q(valid_to__isnull=True) | models.Q(valid_to__gte=day)
        )


class CostPriceQuerySet(models.QuerySet):
    def visible_to(self, user):
        if not may_read_costs(user):
            return self.none()
        return self.all()
