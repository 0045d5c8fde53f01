from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from partners import services


def register(org, by=None, **fields):
    values = {
        "customer_name": "华东钢铁集团有限公司",
        "project_name": "智能工厂 MES 一期",
        "amount": Decimal("800000"),
        "expected_close_date": timezone.localdate() + timedelta(days=120),
    }
    values.update(fields)
    return services.register_deal(by=by or org.partner, **values)
