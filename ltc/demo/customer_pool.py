"""The demo's customer pool (客户公海): the company pool with its rule, the demo customers under
it, customers already back in the pool (one recovered by the sweep, two released by hand) and one of rep1's that goes back tomorrow unless rep1 logs an activity on it."""

from __future__ import annotations

from datetime import datetime, timedelta

from ltc.customers import pool
from ltc.customers.models import Customer, CustomerPool
from ltc.customers.pool_sweeps import recover_idle_customers
from ltc.customers.services import create_customer

POOL_NAME = "公司客户公海"
# name, industry, region, who held it, what happened: "recovered", "released", "due_soon"
CUSTOMERS = [
    ("深圳云帆智能装备有限公司", "工业装备", "广东 深圳", "rep2", "recovered"),
    ("杭州澜海环保科技有限公司", "环保工程", "浙江 杭州", "rep3", "released"),
    ("南京启明精密仪器有限公司", "仪器仪表", "江苏 南京", "manager", "released"),
    ("合肥远景新能源有限公司", "新能源", "安徽 合肥", "rep1", "due_soon"),
]
RELEASE_REASON = "客户项目已转给集团采购，暂无跟进价值"


def seed_customer_pool(users, now: datetime, result) -> None:
    company_pool, created = CustomerPool.objects.get_or_create(
        is_default=True,
        defaults={
            "name": POOL_NAME,
            "idle_days": 30,
            "max_held": 100,
            "reclaim_cooldown_days": 30,
            "warning_days": 3,
        },
    )
    result.add("customer pools", created)
    # The demo customers seeded before the pool fall under its rule from today.
    Customer.objects.filter(pool__isnull=True, owner__isnull=False).update(
        pool=company_pool, assigned_at=now, pool_due_at=now + company_pool.idle
    )
    existing = set(Customer.objects.values_list("name", flat=True))
    for name, industry, region, holder, story in CUSTOMERS:
        if name in existing:
            continue
        by = users[holder]
        customer = create_customer(by=by, name=name, industry=industry, region=region)
        result.add("customers")
        if story == "released":
            pool.release_customer(customer=customer, user=by, reason=RELEASE_REASON, now=now)
        elif story == "recovered":  # nothing logged for 31 days: the sweep takes it back
            Customer.objects.filter(pk=customer.pk).update(
                assigned_at=now - timedelta(days=31), pool_due_at=now - timedelta(days=1)
            )
            recover_idle_customers(now=now)
        elif story == "due_soon":
            Customer.objects.filter(pk=customer.pk).update(
                assigned_at=now - timedelta(days=29), pool_due_at=now + timedelta(days=1)
            )
