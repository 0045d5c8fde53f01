"""The demo pipeline: opportunities at every stage, played through the opportunities services so
their gates, tasks, reviews, stage history and grade history are the real ones."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from leads.models import Lead, LeadState
from ltc.customers.models import Contact, Customer
from ltc.customers.services import save_contact
from opportunities import services
from opportunities.models import Opportunity, Stage
from products.models import PriceBook

from . import catalogue
from .billing import seed_billing

MARKER = "恒拓重工 智能产线改造"

# name, customer, owner, amount, partner, stage to reach, days ago opened, days per stage, ending
DEALS = [
    (MARKER, "苏州恒拓重工机械有限公司", "rep1", "6800000", "", "bid_preparation", 120, 18, None),
    (
        "博远信息 数据中心扩容",
        "上海博远信息技术有限公司",
        "rep1",
        "2300000",
        "",
        "approval",
        40,
        12,
        "review",
    ),
    (
        "恒拓重工 备件年度框架",
        "苏州恒拓重工机械有限公司",
        "rep2",
        "520000",  # the rep's estimate; signed at the quote's 449,600 (the won value)
        "",
        "negotiation",
        30,
        10,
        "jump",
    ),
    (
        "博远信息 机房巡检服务",
        "上海博远信息技术有限公司",
        "rep2",
        "150000",
        "",
        "verify",
        50,
        0,
        None,
    ),
    (
        "伙伴报备 园区安防集成",
        "苏州恒拓重工机械有限公司",
        "rep1",
        "900000",
        "智联安防(合作伙伴)",
        "approved",
        35,
        9,
        None,
    ),
    (
        "博远信息 存储替换",
        "上海博远信息技术有限公司",
        "rep1",
        "1200000",
        "",
        "needs_analysis",
        90,
        15,
        "lost",
    ),
    (
        "恒拓重工 旧线搬迁",
        "苏州恒拓重工机械有限公司",
        "rep2",
        "260000",
        "",
        "verify",
        70,
        0,
        "abandoned",
    ),
    (
        "博远信息 运维平台",
        "上海博远信息技术有限公司",
        "rep1",
        "380000",
        "",
        "negotiation",
        25,
        8,
        "jump",
    ),
]
COMPETITORS = [("西门子", "品牌认可度高", "交付周期长"), ("本地集成商", "价格低", "缺少行业案例")]
NEEDS = "产线自动化率低,换型时间长;希望一年内完成两条产线改造并接入 MES。"
VALUE = "模块化产线方案:换型时间缩短 60%,两年回收投资,本地 7×24 小时服务。"


def seed_pipeline(users, now: datetime, result) -> None:
    if Opportunity.objects.filter(name=MARKER).exists():
        return
    _convert_validated_leads(users, now, result)
    for name, customer_name, owner, amount, partner, stage, opened, per_stage, ending in DEALS:
        customer = Customer.objects.filter(name=customer_name).first()
        if customer is None:
            continue
        when = now - timedelta(days=opened)
        opp = services.create_opportunity(
            by=users[owner],
            customer=customer,
            name=name,
            amount=Decimal(amount),
            expected_close_date=timezone.localdate() + timedelta(days=60 + opened),
            partner=partner,
            now=when,
        )
        Opportunity.objects.filter(pk=opp.pk).update(created_at=when, last_visit_at=when)
        opp = _drive(opp, stage, users, when, per_stage, jump=(ending == "jump"))
        if ending == "review":
            services.request_review(
                opportunity=opp,
                user=users[owner],
                kind="project_approval",
                relationship_assessment="与信息中心主任关系良好,决策链已摸清。",
                now=now - timedelta(days=2),
            )
        elif ending in ("lost", "abandoned"):
            services.close_lost(
                opportunity=opp,
                user=users[owner],
                reason="price" if ending == "lost" else "cancelled",
                competitor="本地集成商" if ending == "lost" else "",
                lessons="报价前未摸清预算上限,价值呈现太晚。"
                if ending == "lost"
                else "客户项目取消。",
                abandon=(ending == "abandoned"),
                now=now - timedelta(days=3),
            )
        result.add("opportunities")
    _seed_commercials(users, now, result)


def _convert_validated_leads(users, now: datetime, result) -> None:
    for lead in (
        Lead.objects.filter(state=LeadState.VALIDATED).select_related("owner").order_by("id")[:2]
    ):
        services.convert_lead(
            lead=lead,
            user=lead.owner,
            opportunity_name=f"{lead.company_name} {lead.title}"[:200],
            amount=lead.estimated_amount or Decimal("300000"),
            expected_close_date=timezone.localdate() + timedelta(days=120),
            now=now - timedelta(days=5),
        )
        result.add("converted leads")


def _drive(
    opp: Opportunity, target_code: str, users, start: datetime, per_stage: int, jump: bool
) -> Opportunity:
    target = Stage.objects.get(process=opp.process, code=target_code)
    when = start
    while opp.stage.order < target.order:
        when = when + timedelta(days=per_stage)
        to_stage = target.code if jump else None
        _, _items, missing = services.gate(opp, to_stage)
        for item in missing:
            _satisfy(opp, item.code, users, when)
        opp = services.advance(opportunity=opp, user=opp.owner, to_stage=to_stage, now=when)
    return opp


def _satisfy(opp: Opportunity, code: str, users, when: datetime) -> None:
    owner = opp.owner
    manager = users["manager"] if owner.team_id == users["manager"].team_id else users["admin"]
    opp.refresh_from_db()
    if code in {"decision_chain", "decision_maker", "supporter"}:
        contact = Contact.objects.filter(customer=opp.customer).order_by(
            "id"
        ).first() or save_contact(
            by=owner, customer=opp.customer, name="项目负责人", title="总经理"
        )
        services.add_decision_maker(
            opportunity=opp,
            user=owner,
            contact=contact,
            role="decision_maker",
            attitude="supporter",
            note="项目发起人",
        )
    elif code in {"solution_owner", "fulfillment_owner"}:
        services.update_opportunity(
            opportunity=opp,
            by=owner,
            solution_owner=users["solution"],
            fulfillment_owner=users["delivery"],
        )
    elif code == "competitors":
        for name, strengths, weaknesses in COMPETITORS:
            services.add_competitor(
                opportunity=opp, user=owner, name=name, strengths=strengths, weaknesses=weaknesses
            )
    elif code == "needs":
        services.update_opportunity(opportunity=opp, by=owner, needs=NEEDS)
    elif code == "value_proposition":
        services.update_opportunity(opportunity=opp, by=owner, value_proposition=VALUE)
    elif code == "bid_date":
        services.update_opportunity(
            opportunity=opp, by=owner, bid_date=timezone.localdate() + timedelta(days=20)
        )
    elif code in {"project_approval", "registration"}:
        review = services.request_review(
            opportunity=opp,
            user=owner,
            kind=code,
            now=when - timedelta(days=3),
            relationship_assessment="客户高层认可,决策链清晰。",
        )
        if code == "project_approval":
            services.update_opportunity(
                opportunity=opp,
                by=owner,
                solution_owner=users["solution"],
                fulfillment_owner=users["delivery"],
            )
            services.assess_review(
                review=review, user=users["solution"], solution_assessment="方案成熟,竞争优势明显。"
            )
            services.assess_review(
                review=review, user=users["delivery"], delivery_assessment="可按期交付,风险可控。"
            )
        else:
            services.assess_review(
                review=review,
                user=manager,
                solution_assessment="伙伴具备资质。",
                delivery_assessment="由伙伴交付。",
            )
        services.decide_review(
            review=review, user=manager, approve=True, comment="同意", now=when - timedelta(days=1)
        )
    else:  # a task of the gate, done by the role that owns it
        from opportunities.models import StageRequirement

        req = StageRequirement.objects.filter(
            stage__process=opp.process, kind="task", code=code
        ).first()
        if req is None:
            return
        opp.refresh_from_db()
        doer = {"sr": opp.solution_owner, "fr": opp.fulfillment_owner}.get(req.role) or owner
        if doer is None:
            services.update_opportunity(
                opportunity=opp,
                by=owner,
                solution_owner=users["solution"],
                fulfillment_owner=users["delivery"],
            )
            opp.refresh_from_db()
            doer = {"sr": opp.solution_owner, "fr": opp.fulfillment_owner}.get(req.role) or owner
        services.complete_task(
            opportunity=opp, code=code, user=doer, note="已完成", now=when - timedelta(days=1)
        )


def _seed_commercials(users, now: datetime, result) -> None:
    """Quotes and contracts: a signed and executing contract with a pending change, a risky
    contract waiting for its escalated review, and a quote revised into a second version."""
    from contracts import services as commercial

    valid = timezone.localdate() + timedelta(days=30)
    terms = [
        {"label": "预付款", "percent": "30", "trigger": "signing"},
        {"label": "验收款", "percent": "60", "trigger": "acceptance"},
        {
            "label": "质保金",
            "percent": "10",
            "trigger": "date",
            "due_date": (timezone.localdate() + timedelta(days=365)).isoformat(),
        },
    ]
    deal = Opportunity.objects.get(name="恒拓重工 备件年度框架")
    rep, manager = users["rep2"], users["manager"]
    standard = PriceBook.objects.get(name=catalogue.STANDARD)
    product = catalogue.product_ids()
    # From the standard book: 12% off the spare parts' list price needs the manager.
    quote = commercial.create_quote(
        opportunity=deal,
        by=rep,
        valid_until=valid,
        price_book=standard,
        lines=[
            {"product": product["SP-2000"], "quantity": "10", "discount_percent": "12"},
            {"product": product["SV-Y1"], "quantity": "1"},
        ],
    )
    commercial.submit_quote(quote=quote, by=rep)
    commercial.decide_quote(quote=quote, by=manager, approve=True, comment="年度框架客户,同意")
    commercial.send_quote(quote=quote, by=rep)
    commercial.record_quote_answer(quote=quote, by=rep, accepted=True)
    services.update_opportunity(
        opportunity=deal,
        by=rep,
        solution_owner=users["solution"],
        fulfillment_owner=users["delivery"],
    )
    # The lines cost finance's cost prices; the contract carries that cost (a 22% margin).
    contract = commercial.create_contract(
        opportunity=deal,
        by=rep,
        amount=str(quote.total),
        payment_terms=terms,
        quote=quote,
        schedule="签约后 45 天内分两批交付",
        cost_risk="进口轴承交期波动",
    )
    contract = commercial.submit_contract(
        contract=contract, by=rep, relationship_assessment="客户续约意愿强,付款记录良好。"
    )
    services.assess_review(
        review=contract.review,
        user=users["solution"],
        solution_assessment="备件型号与现场设备匹配。",
    )
    services.assess_review(
        review=contract.review, user=users["delivery"], delivery_assessment="库存充足,交期可控。"
    )
    contract = commercial.decide_contract(
        contract=contract, by=manager, approve=True, comment="同意签约"
    )
    contract = commercial.sign_contract(
        contract=contract, by=rep, signed_on=timezone.localdate() - timedelta(days=4)
    )
    contract = commercial.accept_contract(contract=contract, by=users["delivery"])
    _seed_delivery(contract, users)
    seed_billing(contract, users)
    commercial.request_change(
        contract=contract, by=rep, description="客户追加 2 套主轴备件", amount_delta="84000"
    )
    result.add("contracts")

    risky = Opportunity.objects.get(name="博远信息 运维平台")
    owner = users["rep1"]
    services.update_opportunity(
        opportunity=risky,
        by=owner,
        solution_owner=users["solution"],
        fulfillment_owner=users["delivery"],
    )
    quote = commercial.create_quote(
        opportunity=risky,
        by=owner,
        valid_until=valid,
        price_book=standard,
        lines=[
            {"product": product["SW-OPS"], "quantity": "1"},
            {"product": product["SW-IMPL"], "quantity": "40"},
        ],
    )
    commercial.revise_quote(quote=quote, by=owner)
    contract = commercial.create_contract(
        opportunity=risky,
        by=owner,
        amount="380000",
        payment_terms=terms,
        is_risky=True,
        cost_risk="定制开发范围未完全冻结",
        schedule="三个月上线",
    )
    # The SR's cost leaves an 11% margin, under the floor: escalated twice over.
    contract = commercial.assess_contract_cost(
        contract=contract,
        by=users["solution"],
        cost_amount="338200",
        note="许可 240,000 + 实施 40 人天 × 2,455",
    )
    commercial.submit_contract(
        contract=contract, by=owner, relationship_assessment="客户 CIO 支持。"
    )
    result.add("contracts")

    # A chiller plant for the data centre: the chillers priced 14% under list wait for the
    # manager's approval.
    plant = Opportunity.objects.get(name="博远信息 数据中心扩容")
    quote = commercial.create_quote(
        opportunity=plant,
        by=plant.owner,
        valid_until=valid,
        price_book=standard,
        notes="含两台磁悬浮冷水机组、群控系统、安装调试及首年维保。",
        lines=[
            {"product": product["CH-M300"], "quantity": "2", "unit_price": "1100000"},
            {"product": product["CTL-PLANT"], "quantity": "1", "discount_percent": "5"},
            {"product": product["INS-CH"], "quantity": "2"},
            {"product": product["MNT-Y1"], "quantity": "1"},
        ],
    )
    commercial.submit_quote(quote=quote, by=plant.owner)
    result.add("quotes")


def _seed_delivery(contract, users) -> None:
    """Two POs under the executing contract: units accepted (revenue last month and this month),
    one shipped but not accepted (goods at risk), one still planned."""
    from delivery import services as delivery

    today = timezone.localdate()
    last_month = today.replace(day=1) - timedelta(days=3)
    first = delivery.create_order(
        contract=contract,
        by=users["rep2"],
        number="PO-HT-2401",
        amount="240000",
        order_date=last_month - timedelta(days=10),
        units=[
            {"name": "苏州总厂 主轴备件 第一批", "kind": "shipment", "amount": "160000"},
            {"name": "苏州总厂 巡检服务 上半年", "kind": "site", "amount": "80000"},
        ],
    )
    second = delivery.create_order(
        contract=contract,
        by=users["rep2"],
        number="PO-HT-2402",
        amount="120000",
        order_date=today - timedelta(days=2),
        units=[
            {"name": "常州分厂 主轴备件", "kind": "shipment", "amount": "70000"},
            {"name": "常州分厂 巡检服务", "kind": "site", "amount": "50000"},
        ],
    )
    fr = users["delivery"]
    first_units = list(first.units.order_by("id"))
    for unit in first_units:
        delivery.ship_unit(unit=unit, by=fr, on=last_month - timedelta(days=5))
    delivery.accept_units(units=first_units[:1], by=fr, certificate="YS-2401-01", on=last_month)
    delivery.accept_units(units=first_units[1:], by=fr, certificate="YS-2401-02", on=today)
    second_units = list(second.units.order_by("id"))
    delivery.ship_unit(unit=second_units[0], by=fr, on=today)
