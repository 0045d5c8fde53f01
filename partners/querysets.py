"""Who sees which partner and registration: the partner's own users see their organisation's
registrations (and nothing else in LTC); the channel manager and the managers above them see
their partners'; whoever sees a registration's deal sees the registration; admins and
integrations see all."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from ltc.org.models import Role
from ltc.org.scoping import is_partner_user, managed_users

ALL_PARTNERS = {Role.ADMIN, Role.INTEGRATION}


def partner_id_of(user) -> int | None:
    """The partner organisation of a partner user (cached on the user), else ``None``."""
    if not is_partner_user(user):
        return None
    if not hasattr(user, "_ltc_partner_id"):
        from .models import PartnerMembership

        user._ltc_partner_id = (
            PartnerMembership.objects.filter(user=user, partner__active=True)
            .values_list("partner_id", flat=True)
            .first()
        )
    return user._ltc_partner_id


def _channel_q(user, prefix: str = "") -> Q:
    return Q(**{f"{prefix}channel_manager": user}) | Q(
        **{f"{prefix}channel_manager__in": managed_users(user)}
    )


class PartnerQuerySet(models.QuerySet):
    def visible_to(self, user):
        if is_partner_user(user):
            return self.filter(pk=partner_id_of(user)) if partner_id_of(user) else self.none()
        if user.is_superuser or user.role in ALL_PARTNERS:
            return self.all()
        return self.filter(_channel_q(user))


class RegistrationQuerySet(models.QuerySet):
    def visible_to(self, user):
        if is_partner_user(user):
            partner_id = partner_id_of(user)
            return self.filter(partner_id=partner_id) if partner_id else self.none()
        if user.is_superuser or user.role in ALL_PARTNERS:
            return self.all()
        from opportunities.models import Opportunity

        return self.filter(
            _channel_q(user, "partner__")
            | Q(opportunity__in=Opportunity.objects.visible_to(user).values("pk"))
        )

    def for_list(self):
        return self.select_related("partner", "submitted_by", "opportunity", "owner")
