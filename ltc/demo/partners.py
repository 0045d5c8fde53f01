"""The demo's partner: 智联安防 (channel manager 王建国), its user ``partner`` (林晓峰), and
registrations in every state, played through ``partners.services``: one waiting, one in
review because it conflicts with our own open deal, one accepted (its E deal protected), one
rejected with a reason, and one whose protection has expired."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from partners import services
from partners.models import DealRegistration, Partner

PARTNER = "智联安防(合作伙伴)"
MARKER = "天合新能源 厂区安防升级"
# project, end customer, amount, days ago, what happens
REGISTRATIONS = [
    (MARKER, "无锡天合新能源有限公司", "380000", 2, None),
    ("恒拓重工 智能产线改造二期", "苏州恒拓重工机械有限公司", "1200000", 1, None),  # conflicts
    ("华桥建设 楼宇智能化", "杭州华桥建设工程有限公司", "760000", 20, "accept"),
    ("精诚自动化 门禁一卡通", "合肥精诚自动化设备有限公司", "150000", 15, "reject"),
    ("东港起重 视频监控扩容", "宁波东港起重机械有限公司", "420000", 120, "expire"),
]


def seed_partners(users, now: datetime, result) -> None:
    partner, created = Partner.objects.update_or_create(
        name=PARTNER, defaults={"channel_manager": users["manager"], "protection_days": 90}
    )
    result.add("partners", created)
    services.add_partner_user(partner=partner, user=users["partner"])
    if DealRegistration.objects.filter(project_name=MARKER).exists():
        return
    for project, customer, amount, days_ago, ending in REGISTRATIONS:
        when = now - timedelta(days=days_ago)
        registration = services.register_deal(
            by=users["partner"],
            customer_name=customer,
            project_name=project,
            amount=Decimal(amount),
            expected_close_date=timezone.localdate(now) + timedelta(days=90),
            description="伙伴已与客户信息部门沟通需求,预计一季度内招标。",
            now=when,
        )
        result.add("deal registrations")
        if ending in ("accept", "expire"):
            registration = services.accept_registration(
                registration=registration,
                by=users["manager"],
                owner=users["rep2"],
                note="伙伴长期服务该客户,由伙伴主导。",
                now=when + timedelta(days=1),
            )
        elif ending == "reject":
            services.reject_registration(
                registration=registration,
                by=users["manager"],
                reason="该客户由我方直销团队跟进,不接受伙伴报备。",
                now=when + timedelta(days=1),
            )
    services.expire_protections(now=now)
