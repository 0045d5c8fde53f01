"""Who sees which complaint: whoever sees its subject. A complaint on a contract, an order or a
unit is seen by whoever sees the contract (the deal's triangle, the managers above it, finance);
one on the customer alone by whoever sees the customer. Its owner always sees it."""

from django.db import models
from django.db.models import Q

from ltc.org.models import Role

EVERY_COMPLAINT = {Role.ADMIN, Role.INTEGRATION, Role.FINANCE}


def complaint_scope(user, prefix: str = "") -> Q:
    if user.is_superuser or user.role in EVERY_COMPLAINT:
        return Q()
    from contracts.models import Contract
    from ltc.customers.models import Customer

    return (
        Q(**{f"{prefix}contract__in": Contract.objects.visible_to(user).values("pk")})
        | Q(
            **{
                f"{prefix}contract__isnull": True,
                f"{prefix}customer__in": Customer.objects.visible_to(user).values("pk"),
            }
        )
        | Q(**{f"{prefix}owner": user})
    )


class ComplaintQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(complaint_scope(user))

    def for_list(self):
        return self.select_related("customer", "contract", "order", "unit", "owner")


class ConfirmationQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(complaint_scope(user, prefix="complaint__"))
