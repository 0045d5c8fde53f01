"""The default sales processes shipped with LTC (installed by a data migration, edited in the admin).

Each requirement is what must be true to ENTER its stage (the seed's stage boundaries: a stage
starts when the previous one's exit mark is reached). ``ft`` marks items a fast-track deal must
still meet when it jumps over that stage.

The processes' names are English msgids (``gettext_noop``): the catalogue translates them and
``Process.__str__`` shows them in the reader's language. Stages and requirements carry both
languages as data (``name_en``/``name_zh``, ``label_en``/``label_zh``) because an administrator
edits and adds them in the admin, in both languages; a process is only named.
"""

from django.utils.translation import gettext_noop

DEFAULT_PROCESS = {
    "code": "default",
    "name": gettext_noop("Project sales (A–D)"),
    "stages": [
        # order, code, English, Chinese, probability, cadence days, roles, signing?, requirements
        (1, "verify", "Verify the opportunity", "验证商机", 10, 30, "AR", False, []),
        (
            2,
            "approval",
            "Project approval",
            "商机立项",
            20,
            30,
            "AR, SR, FR",
            False,
            [
                ("field", "customer", "", "", "", True),
                ("field", "amount", "", "", "", True),
                ("field", "expected_close_date", "", "", "", True),
                ("field", "decision_chain", "", "", "", True),
                (
                    "task",
                    "verify_need",
                    "Confirm the need, budget and timing with the customer",
                    "与客户确认需求、预算和时间",
                    "ar",
                    True,
                ),
            ],
        ),
        (
            3,
            "needs_analysis",
            "Needs analysis",
            "需求分析",
            30,
            14,
            "AR, SR, FR",
            False,
            [
                (
                    "review",
                    "project_approval",
                    "Project approval review approved",
                    "立项评审已通过",
                    "",
                    False,
                ),
                ("field", "solution_owner", "", "", "", False),
                ("field", "fulfillment_owner", "", "", "", False),
            ],
        ),
        (
            4,
            "value_presentation",
            "Value presentation",
            "价值呈现",
            40,
            14,
            "AR, SR",
            False,
            [
                ("field", "needs", "", "", "", False),
                ("field", "decision_maker", "", "", "", False),
                ("field", "competitors", "", "", "", False),
                (
                    "task",
                    "needs_research",
                    "Analyse the needs with the customer's users and experts",
                    "与客户用户和专家完成需求调研",
                    "sr",
                    False,
                ),
                (
                    "task",
                    "action_plan",
                    "Agree the competitive strategy and action plan",
                    "确定竞争策略和行动计划",
                    "ar",
                    False,
                ),
            ],
        ),
        (
            5,
            "bid_preparation",
            "Bid preparation",
            "招标准备",
            50,
            7,
            "AR, SR",
            False,
            [
                ("field", "value_proposition", "", "", "", False),
                ("field", "supporter", "", "", "", False),
                (
                    "task",
                    "solution_presentation",
                    "Present the solution to the decision makers",
                    "向决策层呈现解决方案",
                    "sr",
                    False,
                ),
            ],
        ),
        (
            6,
            "bidding",
            "Bidding",
            "组织投标",
            60,
            7,
            "AR, SR, FR",
            False,
            [
                ("field", "bid_date", "", "", "", False),
                ("task", "bid_document", "Prepare the technical bid", "完成技术标书", "sr", False),
                (
                    "task",
                    "delivery_plan",
                    "Assess deliverability, cost and schedule",
                    "评估可交付性、成本与工期",
                    "fr",
                    False,
                ),
            ],
        ),
        (
            7,
            "negotiation",
            "Negotiation and signing",
            "谈判签约",
            80,
            7,
            "AR, SR, FR",
            True,
            [
                ("field", "decision_maker", "", "", "", False),
                ("field", "fulfillment_owner", "", "", "", False),
                (
                    "task",
                    "commercial_agreement",
                    "The customer awarded us the deal (bid won or terms agreed)",
                    "客户确认授标(中标或商务条款达成一致)",
                    "ar",
                    False,
                ),
            ],
        ),
    ],
}

PARTNER_PROCESS = {
    "code": "partner",
    "name": gettext_noop("Partner registration (E)"),
    "stages": [
        (1, "registered", "Registered by the partner", "伙伴报备", 20, 30, "AR", False, []),
        (
            2,
            "approved",
            "Registration approved",
            "报备批准",
            50,
            30,
            "AR",
            False,
            [
                ("field", "partner", "", "", "", False),
                (
                    "review",
                    "registration",
                    "Registration approved by a manager",
                    "报备已经主管批准",
                    "",
                    False,
                ),
            ],
        ),
    ],
}


def install(Process, Stage, StageRequirement, GradingPolicy) -> None:
    """Create the default processes, stages and requirements unless they exist (idempotent)."""
    for spec, is_default, partner in (
        (DEFAULT_PROCESS, True, False),
        (PARTNER_PROCESS, False, True),
    ):
        process, _ = Process.objects.get_or_create(
            code=spec["code"],
            defaults={"name": spec["name"], "is_default": is_default, "for_partner_deals": partner},
        )
        for order, code, name_en, name_zh, probability, cadence, roles, signing, reqs in spec[
            "stages"
        ]:
            stage, _ = Stage.objects.get_or_create(
                process=process,
                code=code,
                defaults={
                    "order": order,
                    "name_en": name_en,
                    "name_zh": name_zh,
                    "probability": probability,
                    "cadence_days": cadence,
                    "roles": roles,
                    "is_signing": signing,
                },
            )
            for index, (kind, req_code, label_en, label_zh, role, fast_track) in enumerate(reqs):
                StageRequirement.objects.get_or_create(
                    stage=stage,
                    kind=kind,
                    code=req_code,
                    defaults={
                        "label_en": label_en,
                        "label_zh": label_zh,
                        "role": role,
                        "fast_track": fast_track,
                        "order": index,
                    },
                )
    if not GradingPolicy.objects.exists():
        GradingPolicy.objects.create()
