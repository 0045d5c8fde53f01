from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ltc.core.workbench import register
from ltc.org.models import Role, User
from ltc.org.scoping import managers_of

from . import selectors
from .models import Contract, ContractState, Quote, QuoteState

ROWS = 8


def _names(user_ids: list[int]) -> str:
    return ", ".join(str(u) for u in User.objects.filter(pk__in=user_ids).order_by("username"))


@register
def contract_panels(user) -> list[dict]:
    panels = []
    if user.role in {Role.REP, Role.MANAGER}:
        quotes = list(
            Quote.objects.visible_to(user)
            .filter(opportunity__owner=user, state=QuoteState.PENDING_APPROVAL)
            .select_related("opportunity")
            .order_by("created_at", "id")[:ROWS]
        )
        # The requester sees whom the discount waits for: the managers above them.
        approvers = _names(managers_of([user.pk]).get(user.pk, [])) if quotes else ""
        panels.append(
            {
                "title": _("My quotes awaiting discount approval"),
                "items": [
                    {
                        "url": reverse("contracts:quote_detail", args=[q.pk]),
                        "text": q.number,
                        "note": _("%(name)s · waiting for %(who)s")
                        % {"name": q.opportunity.name, "who": approvers or "—"},
                    }
                    for q in quotes
                ],
                "url": reverse("opportunities:list"),
                "empty": _("No quote of yours waits for a manager."),
            }
        )
        to_sign = (
            Contract.objects.visible_to(user)
            .filter(opportunity__owner=user, state=ContractState.APPROVED)
            .select_related("customer")
            .order_by("id")[:ROWS]
        )
        panels.append(
            {
                "title": _("My contracts approved and ready to sign"),
                "items": [
                    {
                        "url": reverse("contracts:contract_detail", args=[c.pk]),
                        "text": f"{c.number} · {c.title}",
                        "note": c.customer.name,
                    }
                    for c in to_sign
                ],
                "url": reverse("contracts:contract_list") + "?state=approved",
                "empty": _("No approved contract waits for a signature."),
            }
        )
    if user.is_superuser or user.role in {Role.MANAGER, Role.ADMIN}:
        waiting = selectors.approvals_waiting(user)
        items = [
            {
                "url": reverse("contracts:quote_detail", args=[q.pk]),
                "text": _("Discount on quote %(number)s") % {"number": q.number},
                "note": q.opportunity.name,
            }
            for q in waiting["quotes"].select_related("opportunity").order_by("created_at")[:ROWS]
        ]
        items += [
            {
                "url": reverse("contracts:contract_detail", args=[c.pk]),
                "text": _("Contract review of %(number)s") % {"number": c.number},
                "note": c.customer.name,
            }
            for c in waiting["contracts"].select_related("customer").order_by("id")[:ROWS]
        ]
        items += [
            {
                "url": reverse("contracts:contract_detail", args=[ch.contract_id]),
                "text": _("Change request on %(number)s") % {"number": ch.contract.number},
                "note": ch.description[:80],
            }
            for ch in waiting["changes"].select_related("contract").order_by("requested_at")[:ROWS]
        ]
        unsigned = (
            Contract.objects.visible_to(user)
            .filter(state=ContractState.APPROVED)
            .exclude(opportunity__owner=user)
            .select_related("customer", "opportunity__owner")
            .order_by("id")[:ROWS]
        )
        panels.append(
            {
                "title": _("Contracts of your teams waiting for signature"),
                "items": [
                    {
                        "url": reverse("contracts:contract_detail", args=[c.pk]),
                        "text": f"{c.number} · {c.title}",
                        "note": _("%(name)s · waiting for %(who)s")
                        % {"name": c.customer.name, "who": f"AR {c.opportunity.owner}"},
                    }
                    for c in unsigned
                ],
                "url": reverse("contracts:contract_list") + "?state=approved",
                "empty": _("No approved contract waits for a signature."),
            }
        )
        panels.append(
            {
                "title": _("Approvals waiting for you"),
                "items": items,
                "url": reverse("contracts:approvals"),
                "empty": _("No discount, contract or change waits for your approval."),
            }
        )
    return panels
