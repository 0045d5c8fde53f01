"""Who may ask for which figures, and the scoped querysets every figure starts from.

- A rep (and an SR or FR) sees only their own figures: the deals whose iron triangle they are in
  and the leads they hold or held.
- A manager sees any rep or team in the subtree of the teams they lead; by default all of it.
- Admin, finance, marketing and integrations see the company, and may narrow to any team or rep.
- Asking for a team or a rep outside your scope answers 404 (as for any record you may not see;
  the API, the pages, the exports and the drill-down lists all use ``resolve_scope``).

Every queryset below starts from the model's own ``visible_to(viewer)``, so no figure can count a
record its viewer could not open.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from ltc.core.errors import InvalidInput
from ltc.org.models import Role, Team, User
from ltc.org.scoping import managed_team_ids, subtree

MAX_ID = 2**63  # larger ids would overflow the database's integers (a 500, not a 404)
COMPANY_ROLES = {Role.ADMIN, Role.FINANCE, Role.MARKETING, Role.INTEGRATION}


def sees_company(user: User) -> bool:
    return user.is_superuser or user.role in COMPANY_ROLES


def may_see_manager_dashboard(user: User) -> bool:
    return sees_company(user) or bool(managed_team_ids(user))


@dataclass(frozen=True)
class Scope:
    """The records a figure covers: the company, a team subtree, or one person (``owner``)."""

    viewer: User
    team: Team | None = None
    owner: User | None = None
    # The team ids covered (a team and its subtree, or every team a manager leads); None = all.
    team_ids: frozenset[int] | None = None
    company: bool = False
    label: str = field(default="", compare=False)

    @property
    def kind(self) -> str:
        if self.owner is not None:
            return "owner"
        return "company" if self.company else "team"

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "team": self.team.pk if self.team else None,
            "owner": self.owner.pk if self.owner else None,
            "label": str(self.label),
        }

    def query_params(self) -> dict[str, str]:
        params = {}
        if self.team is not None:
            params["team"] = str(self.team.pk)
        if self.owner is not None:
            params["owner"] = str(self.owner.pk)
        return params

    @cached_property
    def member_ids(self) -> list[int]:
        """The ids of the users of the scope's teams (read once per scope; [] without teams)."""
        if self.team_ids is None:
            return []
        return list(
            User.objects.filter(team_id__in=self.team_ids).order_by().values_list("pk", flat=True)
        )

    # The filters, one per kind of record ------------------------------------------------------
    def deal_q(self, prefix: str = "") -> Q:
        """Opportunities in scope: the person's triangle, or the deals of the teams' members or
        booked to the teams. The members are their ids (``member_ids``), not a join to every
        deal's owner, so the database finds the teams' deals by index."""
        q = Q()
        if self.owner is not None:
            q &= (
                Q(**{f"{prefix}owner": self.owner})
                | Q(**{f"{prefix}solution_owner": self.owner})
                | Q(**{f"{prefix}fulfillment_owner": self.owner})
            )
        if self.team_ids is not None:
            q &= Q(**{f"{prefix}team_id__in": self.team_ids}) | Q(
                **{f"{prefix}owner_id__in": self.member_ids}
            )
        return q

    def sees_every_deal_in_scope(self) -> bool:
        """Whether ``opportunity_scope(viewer)`` (who sees which deal) holds for every deal of
        ``deal_q``, so the deal querysets may leave it out: the viewer's own triangle (a deal of
        the triangle is visible to its member), or teams all inside the subtree the viewer leads
        (a deal booked to such a team, or owned by its member, is visible to their manager)."""
        if self.owner is not None and self.owner.pk == self.viewer.pk:
            return True
        return self.team_ids is not None and self.team_ids <= managed_team_ids(self.viewer)

    def opportunities(self) -> QuerySet:
        from opportunities.models import Opportunity

        if self.sees_every_deal_in_scope():
            return Opportunity.objects.filter(self.deal_q())
        return Opportunity.objects.visible_to(self.viewer).filter(self.deal_q())

    def stage_history(self) -> QuerySet:
        from opportunities.models import StageHistory

        deals = self.opportunities()
        if not deals.query.where:  # every deal: every stay (each has its deal)
            return StageHistory.objects.all()
        return StageHistory.objects.filter(opportunity__in=deals.values("pk"))

    def reviews(self) -> QuerySet:
        from opportunities.models import Review

        if self.sees_every_deal_in_scope():
            return Review.objects.filter(self.deal_q("opportunity__"))
        return Review.objects.visible_to(self.viewer).filter(self.deal_q("opportunity__"))

    def leads(self) -> QuerySet:
        """Leads in scope: held now by the person (or a team member), or taken back from them;
        for a team also the unowned leads of the teams' own pools."""
        from leads.models import Lead, LeadRecovery

        qs = Lead.objects.visible_to(self.viewer)
        if self.owner is not None:
            taken = LeadRecovery.objects.filter(former_owner=self.owner).values("lead_id")
            qs = qs.filter(Q(owner=self.owner) | Q(pk__in=taken))
        if self.team_ids is not None:
            members = self.member_ids
            taken = LeadRecovery.objects.filter(former_owner_id__in=members).values("lead_id")
            qs = qs.filter(
                Q(owner_id__in=members)
                | Q(pk__in=taken)
                | Q(owner__isnull=True, pool__team_id__in=self.team_ids)
            )
        return qs

    def revenue(self) -> QuerySet:
        from delivery.models import RevenueEntry

        return RevenueEntry.objects.visible_to(self.viewer).filter(
            self.deal_q("contract__opportunity__")
        )

    def units(self) -> QuerySet:
        from delivery.models import DeliveryUnit

        return DeliveryUnit.objects.visible_to(self.viewer).filter(
            self.deal_q("order__contract__opportunity__")
        )

    def orders(self) -> QuerySet:
        from delivery.models import Order

        return Order.objects.visible_to(self.viewer).filter(self.deal_q("contract__opportunity__"))

    def invoices(self) -> QuerySet:
        from billing.models import Invoice

        return Invoice.objects.visible_to(self.viewer).filter(
            self.deal_q("contract__opportunity__")
        )


def _int(value, name: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        raise InvalidInput(_("Give the id as a whole number."), name) from None
    if not 0 < number < MAX_ID:
        raise InvalidInput(_("Give the id as a whole number."), name)
    return number


def resolve_scope(viewer: User, *, team=None, owner=None) -> Scope:
    """The scope ``viewer`` asks for with the ``team`` / ``owner`` filters (ids, possibly
    strings from a query). Without filters: the company, the managed teams, or oneself.
    A team or person outside the viewer's scope raises Http404; a malformed id InvalidInput."""
    team_id, owner_id = _int(team, "team"), _int(owner, "owner")
    company = sees_company(viewer)
    managed = frozenset() if company else managed_team_ids(viewer)

    team_obj = owner_obj = None
    if team_id is not None:
        if not (company or team_id in managed):
            raise Http404("team")
        team_obj = Team.objects.filter(pk=team_id).first()
        if team_obj is None:
            raise Http404("team")
    if owner_id is not None:
        owner_obj = User.objects.filter(pk=owner_id).first()
        allowed = owner_obj is not None and (
            company or owner_obj.pk == viewer.pk or (owner_obj.team_id in managed)
        )
        if not allowed:
            raise Http404("owner")

    if team_obj is not None:
        children = {}
        for tid, parent_id in Team.objects.order_by().values_list("id", "parent_id"):
            children.setdefault(parent_id, []).append(tid)
        team_ids = frozenset(subtree([team_obj.pk], children))
    elif company:
        team_ids = None
    elif managed and owner_obj is None:
        team_ids = managed
    else:
        team_ids = None

    if owner_obj is None and team_obj is None and not company and not managed:
        owner_obj = viewer  # a rep, SR or FR: only their own figures
    label = owner_obj or team_obj or (_("Company") if company else _("My teams"))
    return Scope(
        viewer=viewer,
        team=team_obj,
        owner=owner_obj,
        team_ids=team_ids,
        company=company and team_obj is None and owner_obj is None,
        label=label,
    )
