from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ltc.core.workbench import register
from ltc.org.models import Role

from . import invoiceable, rules, selectors
from .models import Invoice

ROWS = 8


@register
def billing_panels(user) -> list[dict]:
    if not (user.is_superuser or user.role in {Role.FINANCE, Role.ADMIN}):
        return []
    # What this user may invoice now, most first: the queryset form of the rule create_invoice asks.
    orders = invoiceable.with_figures(
        rules.orders_invoiceable_by(user, invoiceable.queue_orders(user))[:ROWS]
    )
    overdue = selectors.overdue_invoices(Invoice.objects.visible_to(user)).select_related(
        "customer"
    )[:ROWS]
    return [
        {
            "title": _("Invoiceable now"),
            "items": [
                {
                    "url": reverse("billing:invoice_create") + f"?order={order.pk}",
                    "text": f"{order.number} · {order.contract.customer.name}",
                    "note": f"{invoiceable.money(order.figures.invoiceable)} {order.currency}",
                }
                for order in orders
            ],
            "url": reverse("billing:queue"),
            "empty": _("Nothing accepted waits to be invoiced."),
        },
        {
            "title": _("Overdue invoices"),
            "items": [
                {
                    "url": reverse("billing:invoice_detail", args=[invoice.pk]),
                    "text": f"{invoice.number} · {invoice.customer.name}",
                    "note": f"{invoice.outstanding_amount:,.2f} {invoice.currency} · "
                    f"{invoice.due_date}",
                }
                for invoice in overdue
            ],
            "url": reverse("billing:receivables"),
            "empty": _("No invoice is overdue."),
        },
    ]
