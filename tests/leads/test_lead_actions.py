"""What a user may do with a lead is one function (``services.lead_actions``): the lead page's
buttons are its answers, and the service refuses with its sentence and its missing items."""

import pytest
from django.urls import reverse
from django.utils import translation

from leads import services
from leads.models import LeadState
from ltc.core.errors import NotAllowed, TransitionRefused

from ..factories import LeadFactory, held_lead

# role -> (claim, assign, edit, disqualify) on a lead in the pool
ON_A_POOLED_LEAD = {
    "rep1": (True, False, False, False),
    "manager": (True, True, False, True),
    "marketing": (False, True, True, True),
}


@pytest.mark.parametrize("name", sorted(ON_A_POOLED_LEAD))
def test_the_lead_page_draws_its_buttons_from_the_actions(org, browser_as, name):
    lead = LeadFactory(pool=org.default_pool)
    user = getattr(org, name)
    actions = services.lead_actions(user, lead)
    expected = ON_A_POOLED_LEAD[name]
    assert tuple(bool(actions[a]) for a in ("claim", "assign", "edit", "disqualify")) == expected
    page = browser_as(name).get(reverse("leads:detail", args=[lead.pk]))
    assert page.status_code == 200
    flags = ("can_claim", "can_assign", "can_edit", "can_disqualify")
    assert tuple(page.context[flag] for flag in flags) == expected


def test_releasing_is_refused_with_the_actions_reasons(org):
    lead = held_lead(org.rep1, pool=org.default_pool)
    with translation.override("en"):
        refused = services.lead_actions(org.rep2, lead)["release"]
        assert not refused and "release this lead" in str(refused.refused)
        with pytest.raises(NotAllowed) as caught:
            services.release_lead(lead=lead, user=org.rep2, reason="Not mine")
        assert str(caught.value.detail) == str(refused.refused)

    validated = held_lead(org.rep1, pool=org.default_pool, state=LeadState.VALIDATED)
    action = services.lead_actions(org.rep1, validated)["release"]
    assert [item.code for item in action.missing] == ["state"]
    with pytest.raises(TransitionRefused) as caught:
        services.release_lead(lead=validated, user=org.rep1, reason="Too slow")
    assert [item.code for item in caught.value.missing] == ["state"]
    assert services.lead_actions(org.rep1, validated)["convert"]


def test_a_closed_lead_offers_nothing_to_change(org):
    lead = held_lead(org.rep1, pool=org.default_pool, state=LeadState.DISQUALIFIED)
    actions = services.lead_actions(org.admin, lead)
    assert not any(actions[name] for name in ("edit", "disqualify", "release", "validate"))
    assert all(actions[name].refused is None for name in ("edit", "disqualify", "release"))
