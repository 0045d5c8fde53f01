"""The role-aware menu: one definition, grouped (Leads, Deals, Contracts & orders, Finance,
Reports, Admin), and one rule per entry deciding who sees it. URL names only; no chain imports.

A group shows the entries its viewer may open; a group with one entry left is drawn as that
entry's link, and a group with none is not drawn. ``MAX_TOP_ENTRIES`` holds for every role (a
test walks them all)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .models import Role

# Partner users work in their portal only (partners.middleware keeps them there).
ALL = {r.value for r in Role} - {Role.PARTNER}
STAFF = ALL - {Role.INTEGRATION}
SALES = {Role.REP, Role.MANAGER, Role.ADMIN}
TRIANGLE = SALES | {Role.SOLUTION, Role.DELIVERY}
MANAGERS = {Role.MANAGER, Role.ADMIN}
MONEY = {Role.FINANCE, Role.MANAGER, Role.ADMIN}

MAX_TOP_ENTRIES = 7


def _is_admin(user) -> bool:
    return user.is_superuser or user.role == Role.ADMIN


def _sets_targets(user) -> bool:
    """``dashboards.services.may_set_targets``' rule (that floor is above this one): an
    administrator, or a manager who leads a team (the cached team tree, no extra query once a
    page has scoped anything)."""
    from .scoping import managed_team_ids

    return _is_admin(user) or bool(managed_team_ids(user))


def _reads_audit(user) -> bool:
    from ltc.audit.permissions import can_read_audit

    return can_read_audit(user)


def _sees_customer_pool(user) -> bool:
    from ltc.customers.pool import may_see_pool

    return may_see_pool(user)


def _opens_admin_site(user) -> bool:
    return user.is_active and user.is_staff


@dataclass(frozen=True)
class Entry:
    url_name: str
    label: str
    roles: frozenset
    check: Callable | None = None

    def allows(self, user) -> bool:
        """Whether ``user`` sees the entry: its page's own permission function where the page
        has one (``check``), else the roles the page answers (and 404s the others)."""
        if role_of(user) not in self.roles:
            return False
        return self.check is None or self.check(user)


def _entry(url_name, label, roles, check=None) -> Entry:
    return Entry(url_name, label, frozenset(roles), check)


# (group label, entries); a group of one entry is that entry's link.
MENU = [
    (
        _("Workbench"),
        [
            _entry("home", _("Workbench"), STAFF),
            _entry("activity:calendar", _("Calendar"), STAFF),
        ],
    ),
    (
        _("Leads"),
        [
            _entry("leads:pool", _("Lead pool"), SALES | {Role.MARKETING}),
            _entry("leads:mine", _("My leads"), SALES),
            _entry("leads:list", _("All leads"), {Role.MANAGER, Role.MARKETING, Role.ADMIN}),
            _entry("leads:create", _("New lead"), SALES | {Role.MARKETING}),
            _entry("leads:import", _("Import leads"), {Role.MARKETING, Role.MANAGER, Role.ADMIN}),
            _entry("customers:list", _("Customers"), STAFF),
            _entry("customers:pool", _("Customer pool"), SALES, _sees_customer_pool),
        ],
    ),
    (
        pgettext_lazy("menu", "Deals"),
        [
            _entry("opportunities:board", _("Pipeline board"), TRIANGLE),
            _entry("opportunities:list", _("Opportunities"), TRIANGLE),
            _entry("tenders:list", _("Tenders"), TRIANGLE),
            _entry("contracts:approvals", _("Approvals"), MANAGERS),
            _entry("partners:registration_list", _("Deal registrations"), MANAGERS),
            _entry("partners:portal", _("My registrations"), {Role.PARTNER}),
            _entry("partners:portal_register", _("Register a deal"), {Role.PARTNER}),
        ],
    ),
    (
        _("Contracts & orders"),
        [
            _entry("contracts:contract_list", _("Contracts"), TRIANGLE | {Role.FINANCE}),
            _entry("delivery:mine", _("My deliveries"), {Role.DELIVERY, Role.MANAGER}),
            _entry("delivery:order_list", _("Orders"), SALES | {Role.DELIVERY, Role.FINANCE}),
            _entry("complaints:list", _("Complaints"), STAFF),
            _entry("products:list", _("Catalogue"), STAFF),
        ],
    ),
    (
        _("Finance"),
        [
            _entry("billing:queue", _("Invoiceable work"), MONEY),
            _entry("billing:invoice_list", _("Invoices"), MONEY),
            _entry("billing:payment_list", _("Payments"), {Role.FINANCE, Role.ADMIN}),
            _entry("billing:receivables", _("Receivables"), MONEY),
            _entry("delivery:revenue", _("Revenue"), MONEY),
        ],
    ),
    (
        _("Reports"),
        [
            _entry("dashboards:manager", _("Dashboard"), MONEY | {Role.MARKETING}),
            _entry("dashboards:mine", _("My dashboard"), {Role.REP, Role.SOLUTION, Role.DELIVERY}),
            _entry("dashboards:campaigns", _("Campaign results"), MONEY | {Role.MARKETING}),
            _entry("dashboards:targets", _("Targets"), MANAGERS, _sets_targets),
            _entry("audit:list", _("Audit trail"), {Role.FINANCE, Role.ADMIN}, _reads_audit),
        ],
    ),
    (
        _("Admin"),
        [
            _entry("products:price_book_list", _("Price books"), {Role.ADMIN}),
            _entry("admin:index", _("Administration"), {Role.ADMIN}, _opens_admin_site),
        ],
    ),
]


def role_of(user) -> str:
    return Role.ADMIN if user.is_superuser else user.role


def _links(user, entries, current: str) -> list[dict]:
    links = []
    for entry in entries:
        if not entry.allows(user):
            continue
        try:
            url = reverse(entry.url_name)
        except NoReverseMatch:
            continue
        links.append({"url": url, "label": entry.label, "active": current == url})
    return links


def menu_for(user, current: str = "") -> list[dict]:
    """The viewer's top entries: ``{"label", "url", "active"}`` for a link, plus ``"links"``
    (the links of a dropdown) for a group of several."""
    top = []
    for label, entries in MENU:
        links = _links(user, entries, current)
        if not links:
            continue
        if len(links) == 1:
            top.append(links[0])
            continue
        active = any(link["active"] for link in links)
        top.append({"label": label, "url": "", "active": active, "links": links})
    return top


def menu_urls(user) -> list[str]:
    """Every page the viewer's menu opens (what the navigation tests walk)."""
    urls = []
    for item in menu_for(user):
        urls.extend(link["url"] for link in item.get("links", [item]))
    return urls
