"""The other HTML lists page by keyset too (ltc.core.pages): customers, the customer pool, the
notices, the audit trail, the catalogue, tenders, complaints and registrations read one page of
rows and count nothing, and the "next" links walk every row once. A ``Paginator`` counted the
whole (filtered) table on every load: at a hundred thousand customers or audit entries that
count was the page."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from ltc.activity.models import Notification
from ltc.audit.models import AuditEntry
from ltc.customers.models import Customer

from ..factories import CustomerFactory
from ..pages import counting_queries, walk

pytestmark = pytest.mark.django_db

ROWS = 123  # three pages of 50, the last one short


def test_the_customer_list_walks_every_customer_once_in_name_order(browser_as, org):
    # Names that tie, so the id decides between them.
    for n in range(ROWS):
        CustomerFactory(name=f"Plant {n % 40:02d}", owner=org.rep1, team=org.team1)
    client = browser_as("admin")
    rows = walk(client, reverse("customers:list"))
    assert len(rows) == len({c.pk for c in rows}) == Customer.objects.count()
    assert [(c.name, c.pk) for c in rows] == sorted((c.name, c.pk) for c in rows)
    assert counting_queries(client, reverse("customers:list"), "customers_customer") == []


def test_the_sorted_customer_list_keeps_its_sort_on_the_links(browser_as, org):
    for n in range(ROWS):
        CustomerFactory(name=f"Mill {n:03d}", owner=org.rep1, team=org.team1)
    rows = walk(browser_as("admin"), reverse("customers:list"), {"sort": "-name"})
    names = [c.name for c in rows]
    assert len(names) == Customer.objects.count() and names == sorted(names, reverse=True)


def test_the_notices_and_the_audit_trail_walk_every_row_once(browser_as, org):
    admin = org.admin
    now = timezone.now()
    Notification.objects.bulk_create(
        Notification(
            recipient=admin,
            kind="lead_assigned",
            params={},
            created_at=now - timedelta(minutes=n % 10),
            emailed_at=now,
        )
        for n in range(ROWS)
    )
    AuditEntry.objects.bulk_create(
        AuditEntry(
            model="billing.invoice",
            object_id=str(n),
            action="update",
            field="amount",
            old_value="1",
            new_value="2",
            actor=admin,
            at=now - timedelta(minutes=n % 10),
            source="test",
        )
        for n in range(ROWS)
    )
    client = browser_as("admin")
    notices = walk(client, reverse("notifications"))
    assert len({n.pk for n in notices}) == len(notices) == ROWS
    # The one count left is the menu's unread badge (the viewer's unread notices), not the page.
    counts = counting_queries(client, reverse("notifications"), "activity_notification")
    assert all('"read_at" IS NULL' in sql for sql in counts), counts
    entries = walk(client, reverse("audit:list"))
    assert len(entries) == AuditEntry.objects.count()
    assert counting_queries(client, reverse("audit:list"), "audit_auditentry") == []


@pytest.mark.parametrize(
    "name, table",
    [
        ("customers:pool", "customers_customer"),
        ("products:list", "products_product"),
        ("tenders:list", "tenders_tender"),
        ("complaints:list", "complaints_complaint"),
        ("partners:registration_list", "partners_dealregistration"),
    ],
)
def test_the_other_lists_count_nothing(browser_as, org, name, table):
    assert counting_queries(browser_as("admin"), reverse(name), table) == []
