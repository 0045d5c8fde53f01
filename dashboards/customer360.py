"""The customer 360 page's sections: what the chain holds about one customer, each section
scoped to what the viewer sees. The dashboards read every app; the customers app only includes
what is registered here (``ltc.customers.sections``), so it imports no chain app.

A fixed number of queries whatever the number of rows: one per section, each capped at
``ROWS`` rows (the lists behind the section links show the rest)."""

from __future__ import annotations

from collections import OrderedDict
from itertools import groupby

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from billing.models import Invoice
from billing.selectors import OUTSTANDING, aging
from contracts.models import Contract
from delivery.models import Order, UnitState
from leads.models import OPEN_STATES as OPEN_LEAD_STATES
from leads.models import Lead
from ltc.activity.models import Activity, PlannedActivity
from ltc.attachments.models import Attachment
from ltc.customers.sections import register
from opportunities.models import Opportunity, OpportunityState

ROWS = 100
RECENT_ACTIVITIES = 30
RECENT_FILES = 50


def _people(customer, leads, deals, contracts) -> list[dict]:
    """Our people on this customer with what they do for it, from rows already read."""
    roles: OrderedDict = OrderedDict()

    def add(user, role):
        if user is None:
            return
        entry = roles.setdefault(user.pk, {"user": user, "roles": []})
        if role not in entry["roles"]:
            entry["roles"].append(role)

    add(customer.owner, _("Account owner"))
    for lead in leads:
        add(lead.owner, _("Lead owner"))
    for deal in deals:
        add(deal.owner, _("AR"))
        add(deal.solution_owner, _("SR"))
        add(deal.fulfillment_owner, _("FR"))
    for contract in contracts:
        add(contract.opportunity.owner, _("AR"))
    return list(roles.values())


@register
def chain_sections(user, customer) -> list[dict]:
    leads = list(
        Lead.objects.visible_to(user)
        .filter(state__in=OPEN_LEAD_STATES, company_key=customer.name_key)
        .exclude(company_key="")
        .select_related("owner")
        .order_by("-created_at", "-id")[:ROWS]
    )
    deals = list(
        Opportunity.objects.visible_to(user)
        .filter(customer=customer)
        .select_related("stage", "owner", "solution_owner", "fulfillment_owner")
        .order_by("stage__order", "-amount", "id")[:ROWS]
    )
    open_deals = [d for d in deals if d.state == OpportunityState.OPEN]
    by_stage = [
        {"stage": stage, "deals": list(rows)}
        for stage, rows in groupby(open_deals, key=lambda d: d.stage)
    ]
    closed_deals = [d for d in deals if d.state != OpportunityState.OPEN]
    contracts = list(
        Contract.objects.visible_to(user)
        .filter(customer=customer)
        .select_related("opportunity", "opportunity__owner")
        .order_by("-id")[:ROWS]
    )
    orders = list(
        Order.objects.visible_to(user)
        .filter(contract__customer=customer)
        .select_related("contract")
        .annotate(
            unit_count=Count("units"),
            units_shipped=Count("units", filter=Q(units__state=UnitState.SHIPPED)),
            units_accepted=Count("units", filter=Q(units__state=UnitState.ACCEPTED)),
        )
        .order_by("-order_date", "-id")[:ROWS]
    )
    invoices_qs = Invoice.objects.visible_to(user).filter(customer=customer)
    invoices = list(
        invoices_qs.select_related("contract")
        .annotate(outstanding_amount=OUTSTANDING)
        .order_by("-id")[:ROWS]
    )
    receivables = list(aging(invoices_qs, today=timezone.localdate()))

    types = ContentType.objects.get_for_models(Lead, Opportunity, Contract, Order, Invoice)
    customer_type = ContentType.objects.get_for_model(customer)
    # Activities: on the customer, its open leads shown here, the leads its deals came from,
    # and its deals: the visible ones only (ids already read, capped).
    lead_ids = {lead.pk for lead in leads} | {d.lead_id for d in deals if d.lead_id}
    activity_q = Q(content_type=customer_type, object_id=customer.pk)
    activity_q |= Q(content_type=types[Lead], object_id__in=lead_ids)
    activity_q |= Q(content_type=types[Opportunity], object_id__in=[d.pk for d in deals])
    activities = list(
        Activity.objects.filter(activity_q)
        .select_related("actor", "content_type")
        .order_by("-occurred_at", "-id")[:RECENT_ACTIVITIES]
    )
    names = {(types[Lead].pk, lead.pk): lead.title for lead in leads} | {
        (types[Opportunity].pk, d.pk): d.name for d in deals
    }
    for activity in activities:
        activity.subject_name = names.get((activity.content_type_id, activity.object_id), "")
    # What is planned on its leads and deals (the customer's own plans have their panel below),
    # soonest first, as the viewer may see them.
    plan_q = Q(content_type=types[Lead], object_id__in=lead_ids)
    plan_q |= Q(content_type=types[Opportunity], object_id__in=[d.pk for d in deals])
    planned = list(
        PlannedActivity.objects.visible_to(user)
        .open()
        .filter(plan_q)
        .select_related("owner")
        .order_by("due_at", "id")[:RECENT_ACTIVITIES]
    )
    now = timezone.now()
    for plan in planned:
        plan.subject_name = names.get((plan.content_type_id, plan.object_id), "")
        plan.late = plan.due_at < now
    # Files on its records (the customer's own files have their panel below).
    file_q = Q(pk__in=[])
    for model, rows in (
        (Lead, leads),
        (Opportunity, deals),
        (Contract, contracts),
        (Order, orders),
        (Invoice, invoices),
    ):
        if rows:
            file_q |= Q(content_type=types[model], object_id__in=[r.pk for r in rows])
    files = list(
        Attachment.objects.live()
        .filter(file_q)
        .select_related("uploaded_by", "content_type")
        .order_by("-uploaded_at", "-id")[:RECENT_FILES]
    )
    return [
        {
            "template": "dashboards/customer360.html",
            "leads": leads,
            "by_stage": by_stage,
            "closed_deals": closed_deals,
            "contracts": contracts,
            "orders": orders,
            "invoices": invoices,
            "receivables": receivables,
            "activities": activities,
            "planned": planned,
            "files": files,
            "people": _people(customer, leads, deals, contracts),
            "rows_cap": ROWS,
        }
    ]
