"""Timelines read as sentences in the reader's language: who did what to which record, with the
states, stages and tasks by their names; never the log's codes."""

import re

import pytest
from django.utils import translation

from leads import services as leads
from ltc.activity.models import TransitionLog
from ltc.activity.sentences import ACTIONS, describe
from ltc.activity.services import log_transition, transitions_of
from opportunities import services as deals

from ..factories import LeadFactory, opportunity

pytestmark = pytest.mark.django_db
CODE = re.compile(r"\b[a-z]+_[a-z_]+\b|∅|<code>")


def _sentences(obj, language):
    with translation.override(language):
        return [log.sentence for log in describe(transitions_of(obj))]


def test_a_claim_reads_as_who_claimed_the_lead_in_either_language(org):
    lead = LeadFactory(pool=org.default_pool)
    leads.claim_lead(lead=lead, user=org.rep1)
    name = str(org.rep1)
    assert _sentences(lead, "en")[0] == f"{name} claimed the lead (New (in the pool) → Assigned)"
    assert _sentences(lead, "zh-hans")[0] == f"{name}认领了线索（新建（在公海池中） → 已分配）"


def test_a_deals_stages_and_tasks_are_named_not_coded(org, django_assert_max_num_queries):
    deal = opportunity(org.rep1)
    code = deal.tasks.filter(code="verify_need").get().code
    deals.complete_task(opportunity=deal, code=code, user=org.rep1)
    logs = list(transitions_of(deal))
    with translation.override("zh-hans"), django_assert_max_num_queries(3):
        # The stages and the tasks of a whole timeline in two queries (and the content type).
        texts = [log.sentence for log in describe(logs)]
    assert any("完成了商机的任务“与客户确认需求、预算和时间”" in text for text in texts), texts
    assert any("创建了商机（验证商机）" in text for text in texts), texts
    for text in texts:
        assert not CODE.search(text), text
    with translation.override("en"):
        texts = [log.sentence for log in describe(logs)]
    assert any(
        "completed “Confirm the need, budget and timing with the customer” on the opportunity"
        in text
        for text in texts
    ), texts


def test_the_system_and_an_unknown_transition_still_read_as_a_sentence(org):
    lead = LeadFactory(pool=org.default_pool)
    log_transition(obj=lead, transition="teleport", source="new", target="new")
    with translation.override("en"):
        # As the lead and deal pages list them: (kind, at, log).
        (_kind, _at, log), *_ = describe([("transition", None, transitions_of(lead).get())])
    assert log.sentence == "The system changed the lead"


def test_every_transition_the_code_logs_has_a_verb():
    """The names passed to log_transition and the FSM transitions of every model."""
    import ast
    from pathlib import Path

    from django.conf import settings

    logged = set()
    for path in Path(settings.BASE_DIR).glob("**/*.py"):
        if any(part in {".venv", "tests", "migrations", "bench"} for part in path.parts):
            continue
        text = path.read_text(encoding="utf-8")
        logged |= set(re.findall(r'transition="([a-z_]+)"', text))
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef) and any(
                isinstance(d, ast.Call) and getattr(d.func, "id", None) == "transition"
                for d in node.decorator_list
            ):
                logged.add(node.name)
    missing = sorted(logged - set(ACTIONS) - {"task"})
    assert not missing, f"transitions without a verb in ltc.activity.sentences: {missing}"


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_detail_pages_show_sentences_not_codes(org, browser_as, settings, language):
    lead = LeadFactory(pool=org.default_pool)
    leads.claim_lead(lead=lead, user=org.rep1)
    client = browser_as("rep1")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    page = client.get(f"/leads/{lead.pk}/").content.decode()
    assert "new → assigned" not in page and "<code>claim</code>" not in page
    assert ("认领了线索" if language == "zh-hans" else "claimed the lead") in page
    assert TransitionLog.objects.filter(object_id=lead.pk, transition="claim").exists()
