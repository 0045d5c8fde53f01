"""The role-aware menu: which pages each role works in. URL names only; no chain imports."""

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from .models import Role

# Partner users work in their portal only (partners.middleware keeps them there).
ALL = {r.value for r in Role} - {Role.PARTNER}
SALES = {Role.REP, Role.MANAGER, Role.ADMIN}
TRIANGLE = SALES | {Role.SOLUTION, Role.DELIVERY}

MENU = [
    ("home", _("Workbench"), ALL - {Role.INTEGRATION}),
    ("activity:calendar", _("Calendar"), ALL - {Role.INTEGRATION}),
    ("leads:pool", _("Lead pool"), SALES | {Role.MARKETING}),
    ("leads:mine", _("My leads"), SALES),
    ("leads:list", _("All leads"), {Role.MANAGER, Role.MARKETING, Role.ADMIN}),
    ("leads:create", _("New lead"), SALES | {Role.MARKETING}),
    ("leads:import", _("Import leads"), {Role.MARKETING, Role.MANAGER, Role.ADMIN}),
    ("opportunities:board", _("Pipeline board"), TRIANGLE),
    ("opportunities:list", _("Opportunities"), TRIANGLE),
    ("tenders:list", _("Tenders"), TRIANGLE),
    ("opportunities:reviews", _("Reviews to decide"), {Role.MANAGER, Role.ADMIN}),
    ("contracts:contract_list", _("Contracts"), TRIANGLE | {Role.FINANCE}),
    ("contracts:approvals", _("Approvals"), {Role.MANAGER, Role.ADMIN}),
    ("delivery:mine", _("My deliveries"), {Role.DELIVERY, Role.MANAGER}),
    ("delivery:order_list", _("Orders"), SALES | {Role.DELIVERY, Role.FINANCE}),
    ("delivery:revenue", _("Revenue"), {Role.FINANCE, Role.MANAGER, Role.ADMIN}),
    (
        "dashboards:manager",
        _("Dashboard"),
        {Role.MANAGER, Role.ADMIN, Role.FINANCE, Role.MARKETING},
    ),
    ("dashboards:mine", _("My dashboard"), {Role.REP, Role.SOLUTION, Role.DELIVERY}),
    ("billing:queue", _("Invoiceable work"), {Role.FINANCE, Role.MANAGER, Role.ADMIN}),
    ("billing:invoice_list", _("Invoices"), {Role.FINANCE, Role.MANAGER, Role.ADMIN}),
    ("billing:payment_list", _("Payments"), {Role.FINANCE, Role.ADMIN}),
    ("billing:receivables", _("Receivables"), {Role.FINANCE, Role.MANAGER, Role.ADMIN}),
    ("complaints:list", _("Complaints"), ALL - {Role.INTEGRATION}),
    ("customers:list", _("Customers"), ALL - {Role.INTEGRATION}),
    ("customers:pool", _("Customer pool"), SALES),
    ("products:list", _("Catalogue"), ALL - {Role.INTEGRATION}),
    ("audit:list", _("Audit trail"), {Role.FINANCE, Role.ADMIN}),
    ("partners:registration_list", _("Deal registrations"), {Role.MANAGER, Role.ADMIN}),
    ("partners:portal", _("My registrations"), {Role.PARTNER}),
    ("partners:portal_register", _("Register a deal"), {Role.PARTNER}),
]


def menu_for(user, current: str = "") -> list[dict]:
    role = Role.ADMIN if user.is_superuser else user.role
    items = []
    for name, label, roles in MENU:
        if role not in roles:
            continue
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        items.append({"url": url, "label": label, "active": current == url})
    return items
