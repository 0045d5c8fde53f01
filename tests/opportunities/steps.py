"""Helpers of the opportunity tests: the default process as data, and one step per requirement."""

from __future__ import annotations

from datetime import date

from opportunities import services
from opportunities.defaults import DEFAULT_PROCESS
from opportunities.models import Attitude, DecisionRole, Opportunity, ReviewKind

from ..factories import ContactFactory

# The default process of defaults.py: code → (order, probability, cadence days, requirements).
STAGES = {
    code: {
        "order": order,
        "probability": probability,
        "cadence": cadence,
        "signing": signing,
        "requirements": [
            (kind, req_code, role, fast_track)
            for kind, req_code, _en, _zh, role, fast_track in reqs
        ],
    }
    for order, code, _en, _zh, probability, cadence, _roles, signing, reqs in DEFAULT_PROCESS[
        "stages"
    ]
}
STAGE_CODES = [code for code in STAGES]  # in order

# Fields the model itself requires: an opportunity always has them, so they are never missing.
ALWAYS_MET = {"customer", "amount", "expected_close_date"}

A_AMOUNT = 6_000_000
C_AMOUNT = 300_000
D_AMOUNT = 50_000


def codes_of(stage_code: str) -> set[str]:
    return {code for _kind, code, _role, _ft in STAGES[stage_code]["requirements"]}


def role_of_task(code: str) -> str:
    for stage in STAGES.values():
        for kind, req_code, role, _ft in stage["requirements"]:
            if kind == "task" and req_code == code:
                return role
    raise KeyError(code)


def missing_codes(error) -> set[str]:
    return {m.code for m in error.missing}


def previous_stage(stage_code: str) -> str:
    return STAGE_CODES[STAGE_CODES.index(stage_code) - 1]


def fresh(opp: Opportunity) -> Opportunity:
    return Opportunity.objects.select_related("stage", "process").get(pk=opp.pk)


def approve_review(opp: Opportunity, org, kind: str = ReviewKind.PROJECT_APPROVAL):
    """The AR asks, each triangle member assesses (the manager stands in for a missing one), the
    manager approves."""
    opp = fresh(opp)
    review = services.request_review(
        opportunity=opp, user=opp.owner, kind=kind, relationship_assessment="Strong with the CIO"
    )
    sr = opp.solution_owner or org.manager
    fr = opp.fulfillment_owner or org.manager
    services.assess_review(review=review, user=sr, solution_assessment="Fits; rival is weaker")
    services.assess_review(review=review, user=fr, delivery_assessment="Deliverable in 6 months")
    return services.decide_review(review=review, user=org.manager, approve=True, comment="Go")


def add_to_chain(opp: Opportunity, *, role: str, attitude: str = Attitude.NEUTRAL):
    contact = ContactFactory(customer=opp.customer)
    return services.add_decision_maker(
        opportunity=opp, user=opp.owner, contact=contact, role=role, attitude=attitude
    )


def meet(opp: Opportunity, code: str, org) -> None:
    """Do what meets the requirement ``code`` (and nothing else of the same gate)."""
    opp = fresh(opp)
    owner = opp.owner
    updates = {
        "needs": {"needs": "Replace the legacy ERP"},
        "value_proposition": {"value_proposition": "Cuts month-end close from 10 days to 3"},
        "bid_date": {"bid_date": date(2031, 3, 1)},
        "solution_owner": {"solution_owner": org.solution},
        "fulfillment_owner": {"fulfillment_owner": org.delivery},
        "partner": {"partner": "Acme Partner"},
    }
    if code in updates:
        services.update_opportunity(opportunity=opp, by=owner, **updates[code])
    elif code == "decision_chain":
        add_to_chain(opp, role=DecisionRole.USER)
    elif code == "decision_maker":
        add_to_chain(opp, role=DecisionRole.DECISION_MAKER)
    elif code == "supporter":
        add_to_chain(opp, role=DecisionRole.INFLUENCER, attitude=Attitude.SUPPORTER)
    elif code == "competitors":
        services.add_competitor(opportunity=opp, user=owner, name="Rival Soft")
    elif code in ReviewKind.values:
        approve_review(opp, org, kind=code)
    else:
        role = role_of_task(code)
        doer = {"ar": opp.owner, "sr": opp.solution_owner, "fr": opp.fulfillment_owner}[role]
        services.complete_task(opportunity=opp, code=code, user=doer or org.manager, note="done")
