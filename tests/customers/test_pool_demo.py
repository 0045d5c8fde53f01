"""The demo shows the customer pool: a rule, pooled customers, one about to go back."""

from datetime import timedelta

import pytest
from django.utils import timezone

from ltc.customers.models import Customer, CustomerPool, CustomerRecovery


@pytest.mark.django_db
def test_the_demo_seeds_a_pool_rule_pooled_customers_and_one_due_back_tomorrow(demo):
    company = CustomerPool.objects.get(is_default=True)
    assert company.idle_days == 30
    assert Customer.objects.filter(pool_state="pooled").count() == 3
    assert set(CustomerRecovery.objects.values_list("kind", flat=True)) == {
        "recovered",
        "released",
    }
    soon = Customer.objects.filter(
        pool_state="held", pool_due_at__lt=timezone.now() + timedelta(days=2)
    )
    assert [(c.owner.username, c.name) for c in soon] == [("rep1", "合肥远景新能源有限公司")]
    assert not Customer.objects.filter(owner__isnull=False, pool__isnull=True).exists()
