"""Writing sales targets: a manager for the teams and reps of their subtree, an admin for all."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from ltc.core.errors import InvalidInput, NotAllowed
from ltc.core.money import Currency, quantize
from ltc.org.models import Role, Team, User
from ltc.org.scoping import managed_team_ids

from .models import SalesTarget


def _is_admin(user: User) -> bool:
    return user.is_superuser or user.role == Role.ADMIN


def may_set_targets(user: User) -> bool:
    return _is_admin(user) or bool(managed_team_ids(user))


def target_teams_and_reps(user: User) -> tuple[list[Team], list[User]]:
    """The teams and people ``user`` may set targets for (two queries)."""
    if _is_admin(user):
        teams = Team.objects.all()
        reps = User.objects.filter(is_active=True, role__in=[Role.REP, Role.MANAGER])
    else:
        ids = managed_team_ids(user)
        teams = Team.objects.filter(pk__in=ids)
        reps = User.objects.filter(
            is_active=True, team_id__in=ids, role__in=[Role.REP, Role.MANAGER]
        )
    return list(teams.order_by("name")), list(reps.order_by("username"))


@transaction.atomic
def set_target(
    *,
    by: User,
    month: date,
    amount,
    currency: str,
    team: Team | None = None,
    owner: User | None = None,
) -> SalesTarget:
    """Enter or change the target of one team or one rep for one month (the first day is kept)."""
    if not may_set_targets(by):
        raise NotAllowed(_("Only managers and administrators set targets."))
    if (team is None) == (owner is None):
        raise InvalidInput(_("Choose a team or a rep, not both."), "team")
    if not _is_admin(by):
        managed = managed_team_ids(by)
        if team is not None and team.pk not in managed:
            raise InvalidInput(_("You may only set targets for the teams you manage."), "team")
        if owner is not None and owner.team_id not in managed:
            raise InvalidInput(_("You may only set targets for the people in your teams."), "owner")
    try:
        amount = quantize(amount)
    except Exception:
        raise InvalidInput(_("Enter the amount as a number."), "amount") from None
    if amount < Decimal("0"):
        raise InvalidInput(_("A target is not negative."), "amount")
    if currency not in Currency.values:
        raise InvalidInput(_("Choose one of the currencies."), "currency")
    target, _created = SalesTarget.objects.select_for_update().update_or_create(
        team=team,
        owner=owner,
        month=month.replace(day=1),
        defaults={"amount": amount, "currency": currency, "entered_by": by},
    )
    return target
