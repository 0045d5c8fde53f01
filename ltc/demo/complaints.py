"""Demo complaints on the executing contract (issue 18, ITR): one closed within its SLA with the
customer's confirmation, one late on a PO (the SLA sweep has flagged it and told the FR and the
manager), one just opened on the contract, and one on the customer reopened after its fix."""

from __future__ import annotations

from datetime import datetime, timedelta

MARKER = "主轴备件外包装破损，两根主轴轴颈磕伤"


def seed_complaints(users, now: datetime, result) -> None:
    from complaints import services
    from complaints.models import Complaint
    from delivery.models import Order

    if Complaint.objects.filter(title=MARKER).exists():
        return
    first = Order.objects.filter(number="PO-HT-2401").select_related("contract").first()
    second = Order.objects.filter(number="PO-HT-2402").first()
    if first is None or second is None:
        return
    contract, rep, fr, manager = first.contract, users["rep2"], users["delivery"], users["manager"]

    opened = now - timedelta(days=12)
    closed = services.open_complaint(
        by=rep,
        unit=first.units.order_by("id").first(),
        title=MARKER,
        description="客户收货时发现外包装破损，要求更换受损主轴。",
        category="quality",
        severity="high",
        now=opened,
    )
    services.start_complaint(complaint=closed, by=fr, now=opened + timedelta(hours=2))
    services.resolve_complaint(
        complaint=closed,
        by=fr,
        resolution="补发两根主轴，现场更换并与客户设备科共同检验合格。",
        now=opened + timedelta(hours=40),
    )
    contact = contract.customer.contacts.order_by("id").first()
    services.close_complaint(
        complaint=closed,
        by=fr,
        confirmed_by=contact.name if contact else "客户设备科",
        contact=contact,
        channel="signed_form",
        confirmed_at=opened + timedelta(hours=46),
        note="签字确认单 QR-2401",
        now=opened + timedelta(hours=47),
    )

    late = services.open_complaint(
        by=rep,
        order=second,
        title="常州分厂巡检服务推迟两次，影响停机检修计划",
        category="delivery",
        severity="critical",
        now=now - timedelta(days=2),
    )
    services.start_complaint(complaint=late, by=fr, now=now - timedelta(days=2, hours=-3))
    services.flag_sla_breaches(now=now)

    services.open_complaint(
        by=rep,
        contract=contract,
        title="合同附件中的验收标准版本与实际交付不一致",
        category="documentation",
        severity="medium",
        now=now - timedelta(hours=2),
    )

    billing = services.open_complaint(
        by=manager,
        customer=contract.customer,
        title="发票抬头与税号有误，需重开",
        category="billing",
        severity="low",
        owner=rep,
        now=now - timedelta(days=6),
    )
    services.start_complaint(complaint=billing, by=rep, now=now - timedelta(days=6, hours=-4))
    services.resolve_complaint(
        complaint=billing, by=rep, resolution="已通知财务作废重开。", now=now - timedelta(days=4)
    )
    services.reopen_complaint(complaint=billing, by=rep, reason="客户反馈新发票税号仍缺一位。")
    result.add("complaints", 4)
