"""Scope checks for requests authenticated by an integration token.

Reading is allowed to every token (within what its user may see). A write (POST, PUT, PATCH,
DELETE) needs the scope of the resource, named by the first segment of the path under
``/api/v1/``. Users with a session or a user token are not affected by this class."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission

from ltc.core.errors import NotAllowed

from .models import IntegrationToken, Scope

API_ROOT = "/api/v1/"

# resource (first path segment) → the scopes that allow writing it
WRITE_SCOPES: dict[str, set[str]] = {
    "leads": {Scope.LEADS_WRITE},
    "campaigns": {Scope.LEADS_WRITE},
    "orders": {Scope.ORDERS_WRITE},
    "delivery-units": {Scope.ORDERS_WRITE},
    "invoices": {Scope.BILLING_WRITE},
    "payments": {Scope.BILLING_WRITE},
    "credit-notes": {Scope.BILLING_WRITE},
    "complaints": {Scope.ORDERS_WRITE},  # after-sales issues from a service desk
    "products": {Scope.CATALOGUE_WRITE},
    "price-books": {Scope.CATALOGUE_WRITE},
    # master data every syncing system needs: any write scope
    "customers": {Scope.LEADS_WRITE, Scope.ORDERS_WRITE, Scope.BILLING_WRITE},
    "contacts": {Scope.LEADS_WRITE, Scope.ORDERS_WRITE, Scope.BILLING_WRITE},
    # files on the records a token's user sees (an ERP's signed scan, a certificate)
    "attachments": {Scope.LEADS_WRITE, Scope.ORDERS_WRITE, Scope.BILLING_WRITE},
}


def resource_of(path: str) -> str:
    if not path.startswith(API_ROOT):
        return ""
    return path[len(API_ROOT) :].split("/", 1)[0]


def scopes_for_write(path: str) -> set[str]:
    return WRITE_SCOPES.get(resource_of(path), set())


class TokenScopePermission(BasePermission):
    """403 for an integration token writing outside its scopes."""

    message = _("This integration token's scopes do not allow this request.")

    def has_permission(self, request, view) -> bool:
        token = request.auth
        if not isinstance(token, IntegrationToken):
            return True
        if request.method in SAFE_METHODS:
            return True
        needed = scopes_for_write(request.path_info)
        if needed & set(token.scopes or []):
            return True
        # The API's one error shape for 403: ``{"detail", "missing"}``.
        raise NotAllowed(
            _("This integration token may not write %(resource)s (its scopes: %(scopes)s).")
            % {
                "resource": resource_of(request.path_info) or request.path_info,
                "scopes": ", ".join(token.scopes or []) or "-",
            }
        )
