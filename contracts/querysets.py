"""Who sees which quote and contract: the deal's scope (its iron triangle and the managers above
it); finance sees every contract, since invoicing runs against them. And what waits for a
manager's decision: the queryset forms of the approve actions of ``contracts.services.rules``
(tests/contracts/test_contract_actions.py holds each to its rule on random records)."""

from django.db import models

from ltc.org.models import Role
from opportunities.querysets import managed_deal_scope, opportunity_scope


class QuoteQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(opportunity_scope(user, prefix="opportunity__"))

    def approvable_by(self, user):
        """Quotes whose discount ``user`` may approve now (``quote_actions``' approve and reject):
        waiting for approval, on a deal they manage and do not own."""
        return self.filter(
            managed_deal_scope(user, "opportunity__"), state="pending_approval"
        ).exclude(opportunity__owner=user)


class ContractQuerySet(models.QuerySet):
    def visible_to(self, user):
        if user.role == Role.FINANCE:
            return self.all()
        return self.filter(opportunity_scope(user, prefix="opportunity__"))

    def for_list(self):
        return self.select_related("customer", "opportunity", "opportunity__owner")

    def decidable_by(self, user):
        """Contracts in review whose review ``user`` may decide now (``contract_actions``' approve
        and reject, which are the review's: ``Review.objects.decidable_by``)."""
        from opportunities.models import Review, ReviewKind

        reviews = Review.objects.decidable_by(user).filter(kind=ReviewKind.CONTRACT)
        return self.filter(state="in_review", review__in=reviews)


class ChangeRequestQuerySet(models.QuerySet):
    def visible_to(self, user):
        """A change request is seen by whoever sees its contract."""
        from .models import Contract

        return self.filter(contract__in=Contract.objects.visible_to(user).values("pk"))

    def approvable_by(self, user):
        """Reviewed change requests ``user`` may approve now (``change_actions``' approve): on a
        deal they manage and do not own."""
        return self.filter(
            managed_deal_scope(user, "contract__opportunity__"), state="reviewed"
        ).exclude(contract__opportunity__owner=user)
