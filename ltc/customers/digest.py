"""The customers section of the morning digest: the user's customers going back to the pool
within a week."""

from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from ltc.activity.digest import register

from .models import Customer, PoolState


@register
def customers_due_back(user, now: datetime) -> tuple[str, list[str]]:
    customers = (
        Customer.objects.filter(
            owner=user, pool_state=PoolState.HELD, pool_due_at__lt=now + timedelta(days=7)
        )
        .order_by("pool_due_at", "id")
        .only("name", "pool_due_at")[:50]
    )
    return _("Customers going back to the pool within a week"), [
        f"{date_format(timezone.localtime(c.pool_due_at), 'SHORT_DATE_FORMAT')} · {c.name}"
        for c in customers
    ]
