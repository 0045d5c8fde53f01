"""Creating and editing a lead: its pool, its duplicates, its fields (``leads/fieldspec.py``)."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ltc.activity.services import (
    log_transition,
)
from ltc.core.errors import InvalidInput, NotAllowed
from ltc.core.normalize import company_key, email_key, phone_key
from ltc.org.scoping import team_and_ancestor_ids

from .. import fieldspec
from ..models import Lead, Pool
from ..scoring import rescore
from .rules import CREATORS, _locked, _require, _role, may_edit

EDITABLE_FIELDS = fieldspec.EDITABLE


def _stamp(lead: Lead) -> None:
    lead.phone_key = phone_key(lead.phone)
    lead.email_key = email_key(lead.email)
    lead.company_key = company_key(lead.company_name)


def find_duplicate(lead: Lead) -> Lead | None:
    """The oldest open lead with the same normalised phone, e-mail or company name."""
    q = Q()
    if lead.phone_key:
        q |= Q(phone_key=lead.phone_key)
    if lead.email_key:
        q |= Q(email_key=lead.email_key)
    if lead.company_key:
        q |= Q(company_key=lead.company_key)
    if not q:
        return None
    return Lead.objects.open().filter(q).exclude(pk=lead.pk).order_by("id").first()


def default_pool_for(user) -> Pool:
    """The pool of the nearest team above the user that has one, else the default pool."""
    chain = team_and_ancestor_ids(user) if user and user.pk else []
    pools = {p.team_id: p for p in Pool.objects.filter(Q(team_id__in=chain) | Q(is_default=True))}
    for team_id in chain:
        if team_id in pools:
            return pools[team_id]
    default = pools.get(None)
    if default is None:
        default = (
            Pool.objects.filter(is_default=True).first() or Pool.objects.order_by("id").first()
        )
    if default is None:
        raise InvalidInput(
            _("No lead pool is configured; an administrator must create one."), "pool"
        )
    return default


# Creating and editing -----------------------------------------------------------------------
@transaction.atomic
def create_lead(*, by, pool: Pool | None = None, **fields) -> Lead:
    _require(_role(by) in CREATORS, _("Your role may not create leads."))
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise InvalidInput(_("Unknown field."), sorted(unknown)[0])
    lead = Lead(pool=pool or default_pool_for(by), created_by=by, **fields)
    _stamp(lead)
    rescore(lead)
    lead.duplicate_of = find_duplicate(lead)
    lead.save()
    log_transition(obj=lead, transition="create", source="", target=lead.state, actor=by)
    return lead


@transaction.atomic
def update_lead(*, lead: Lead, by, **fields) -> Lead:
    lead = _locked(lead.pk)
    _require(
        may_edit(by, lead), _("Only the owner, their manager or marketing may edit this lead.")
    )
    if not lead.is_open:
        raise NotAllowed(_("A converted or disqualified lead cannot be edited."))
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise InvalidInput(_("This field cannot be changed here."), sorted(unknown)[0])
    for name, value in fields.items():
        setattr(lead, name, value)
    _stamp(lead)
    rescore(lead)
    if lead.duplicate_of_id is None:
        lead.duplicate_of = find_duplicate(lead)
    lead.save()
    return lead
