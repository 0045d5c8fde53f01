"""The demo's tenders (投标), played through the tenders services: one being prepared by its bid
team with its deadlines in the AR's calendar, one cancelled by the issuer and re-tendered and
won, one lost to a cheaper bidder (the winner joins the deal's competitors). The bidding stage
of the default process is configured to require a tender, as an administrator would."""

from __future__ import annotations

from datetime import datetime, timedelta

from opportunities.models import Opportunity, Stage, StageRequirement
from tenders import services
from tenders.models import Tender

MARKER = "SZHT-2026-ZB-0117"


def _deal(name: str) -> Opportunity | None:
    return Opportunity.objects.filter(name=name, state="open").select_related("owner").first()


def seed_tenders(users, now: datetime, result) -> None:
    if Tender.objects.filter(number=MARKER).exists():
        return
    _require_a_tender_to_bid()
    _preparing(users, now, result)
    _cancelled_then_won(users, now, result)
    _lost(users, now, result)


def _require_a_tender_to_bid() -> None:
    for stage in Stage.objects.filter(code="bidding", process__is_default=True):
        StageRequirement.objects.get_or_create(
            stage=stage,
            kind="field",
            code="tender_recorded",
            defaults={
                "label_en": "The tender is recorded (number, issuer, deadlines, bond)",
                "label_zh": "已登记招标信息(编号、招标方、截止时间、保证金)",
                "order": 90,
            },
        )


def _preparing(users, now, result) -> None:
    deal = _deal("恒拓重工 智能产线改造")
    if deal is None:
        return
    tender = services.create_tender(
        opportunity=deal,
        by=deal.owner,
        number=MARKER,
        issuer="苏州恒拓重工机械有限公司 招标采购部",
        questions_due_at=now + timedelta(days=3, hours=2),
        submission_due_at=now + timedelta(days=12),
        bond_amount="100000",
    )
    today = now.date()
    tasks = [
        (deal.solution_owner or users["solution"], "sr", "技术标:方案书与偏离表", 8, False),
        (deal.owner, "ar", "商务标:报价与资质文件", 9, True),
        (deal.fulfillment_owner or users["delivery"], "fr", "交付计划与售后服务承诺", 8, False),
        (users["manager"], "commercial", "审批投标报价", 10, False),
    ]
    for member, role, text, days, done in tasks:
        task = services.add_task(
            tender=tender,
            by=deal.owner,
            member=member,
            role=role,
            task=text,
            due_on=today + timedelta(days=days),
        )
        if done:
            services.complete_task(task=task, by=member, now=now - timedelta(days=1))
    result.add("tenders")


def _cancelled_then_won(users, now, result) -> None:
    deal = _deal("博远信息 运维平台")
    if deal is None:
        return
    first = services.create_tender(
        opportunity=deal,
        by=deal.owner,
        number="BYXX-2026-YW-01",
        issuer="上海博远信息技术有限公司 采购中心",
        submission_due_at=now - timedelta(days=18),
        bond_amount="8000",
    )
    services.cancel_tender(
        tender=first,
        by=deal.owner,
        note="招标方调整需求后重新招标。",
        now=now - timedelta(days=20),
    )
    services.return_bond(tender=first, by=deal.owner, on=(now - timedelta(days=15)).date())
    second = services.create_tender(
        opportunity=deal,
        by=deal.owner,
        number="BYXX-2026-YW-02",
        issuer="上海博远信息技术有限公司 采购中心",
        submission_due_at=now - timedelta(days=6),
        bond_amount="8000",
    )
    services.submit_tender(
        tender=second, by=deal.owner, price="365000", now=now - timedelta(days=7)
    )
    services.win_tender(
        tender=second, by=deal.owner, note="综合评分第一。", now=now - timedelta(days=3)
    )
    result.add("tenders", 2)


def _lost(users, now, result) -> None:
    deal = _deal("博远信息 机房巡检服务")
    if deal is None:
        return
    tender = services.create_tender(
        opportunity=deal,
        by=deal.owner,
        number="BYXX-2026-XJ-03",
        issuer="上海博远信息技术有限公司 采购中心",
        submission_due_at=now - timedelta(days=12),
        bond_amount="3000",
    )
    services.submit_tender(
        tender=tender, by=deal.owner, price="148000", now=now - timedelta(days=13)
    )
    services.lose_tender(
        tender=tender,
        by=deal.owner,
        winner="本地集成商",
        winning_price="126000",
        note="最低价中标,我方报价高 17%。",
        now=now - timedelta(days=8),
    )
    result.add("tenders")
