"""Notifications that reach people: per-user, per-kind choice of in-app and e-mail; e-mails and
group-robot posts written to an outbox in the change's transaction and sent with retries and
back-off; the morning digest."""

import json
import smtplib
from datetime import datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from ltc.activity import digest, outbox, services
from ltc.activity.models import (
    MorningDigest,
    Notification,
    NotificationPreference,
    OutboxMessage,
    TeamAlertHook,
)
from ltc.activity.tasks import deliver_notification_emails, send_due_outbox

from ..factories import CustomerFactory, held_lead

pytestmark = pytest.mark.django_db

NOW = timezone.make_aware(datetime(2030, 5, 9, 6, 30))


@pytest.fixture
def with_emails(org):
    for user in (org.rep1, org.rep2, org.manager):
        user.email = f"{user.username}@example.com"
        user.language = "en"
        user.save()
    return org


def tell(user, kind="lead_assigned"):
    return services.notify([user], kind=kind, params={"title": "Pump", "by": "boss"}, url="/x/")


class SMTPDown:
    """The SMTP server does not answer until ``up()``."""

    def __init__(self, monkeypatch, error=None):
        self.error = error or smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        self.tries = 0
        self.monkeypatch = monkeypatch
        real = EmailBackend.send_messages

        def send(backend, messages):
            self.tries += 1
            if self.error is not None:
                raise self.error
            return real(backend, messages)

        monkeypatch.setattr(EmailBackend, "send_messages", send)

    def up(self):
        self.error = None


def test_the_email_is_written_to_the_outbox_with_the_change(with_emails):
    with pytest.raises(RuntimeError), transaction.atomic():
        tell(with_emails.rep1)
        assert OutboxMessage.objects.filter(to="rep1@example.com").count() == 1
        raise RuntimeError("the change is rolled back")
    assert not OutboxMessage.objects.exists() and not Notification.objects.exists()

    tell(with_emails.rep1)
    message = OutboxMessage.objects.get()
    assert (message.channel, message.state, message.to) == ("email", "pending", "rep1@example.com")
    assert "Pump" in message.subject


def test_an_smtp_outage_loses_nothing_and_the_email_goes_exactly_once_when_it_returns(
    with_emails, monkeypatch
):
    smtp = SMTPDown(monkeypatch)
    with time_machine.travel(NOW, tick=False):
        tell(with_emails.rep1)
        assert send_due_outbox() == 0
    message = OutboxMessage.objects.get()
    assert (message.state, message.attempts) == ("pending", 1)
    assert "SMTPServerDisconnected" in message.last_error
    assert message.next_attempt_at == NOW + timedelta(minutes=1)

    with time_machine.travel(NOW + timedelta(seconds=30), tick=False):
        assert send_due_outbox() == 0  # not yet due: the back-off is respected
    assert smtp.tries == 1
    with time_machine.travel(NOW + timedelta(minutes=1), tick=False):
        assert send_due_outbox() == 0  # still down
    message.refresh_from_db()
    assert message.attempts == 2 and message.next_attempt_at == NOW + timedelta(minutes=3)
    assert mail.outbox == []

    smtp.up()
    with time_machine.travel(NOW + timedelta(minutes=3), tick=False):
        assert send_due_outbox() == 1
        assert send_due_outbox() == 0
        assert deliver_notification_emails() == 0
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        assert send_due_outbox() == 0
    assert [m.to for m in mail.outbox] == [["rep1@example.com"]]
    message.refresh_from_db()
    assert (message.state, message.attempts) == ("sent", 3)


def test_the_back_off_doubles_and_is_capped():
    assert [outbox.backoff(n) for n in (1, 2, 3, 4)] == [
        timedelta(minutes=1),
        timedelta(minutes=2),
        timedelta(minutes=4),
        timedelta(minutes=8),
    ]
    assert outbox.backoff(30) == timedelta(hours=6)


def test_a_permanent_refusal_fails_at_once_and_is_visible_and_retryable_in_the_admin(
    with_emails, monkeypatch, admin_client
):
    smtp = SMTPDown(monkeypatch, smtplib.SMTPRecipientsRefused({"rep1@example.com": (550, b"no")}))
    tell(with_emails.rep1)
    send_due_outbox()
    message = OutboxMessage.objects.get()
    assert message.state == "failed"

    page = admin_client.get("/admin/activity/outboxmessage/?state__exact=failed")
    assert page.status_code == 200 and "SMTPRecipientsRefused" in page.content.decode()

    smtp.up()
    admin_client.post(
        "/admin/activity/outboxmessage/",
        {"action": "send_again", "_selected_action": [message.pk]},
    )
    message.refresh_from_db()
    assert (message.state, message.attempts) == ("pending", 0)
    assert send_due_outbox() == 1
    assert len(mail.outbox) == 1


def test_after_the_last_attempt_a_message_fails(with_emails, monkeypatch):
    SMTPDown(monkeypatch)
    tell(with_emails.rep1)
    at = timezone.now()
    for _ in range(outbox.MAX_ATTEMPTS):
        at += timedelta(hours=7)
        with time_machine.travel(at, tick=False):
            send_due_outbox()
    message = OutboxMessage.objects.get()
    assert (message.state, message.attempts) == ("failed", outbox.MAX_ATTEMPTS)


def test_notifications_written_by_sql_are_handed_to_the_outbox_by_the_sweep(with_emails):
    Notification.objects.create(
        recipient=with_emails.rep1, kind="lead_assigned", params={}, created_at=timezone.now()
    )
    assert deliver_notification_emails() == 1
    assert deliver_notification_emails() == 0
    assert len(mail.outbox) == 1


# Preferences -----------------------------------------------------------------------------------
def test_each_user_chooses_per_kind_in_app_and_or_email(with_emails, client):
    client.force_login(with_emails.rep1)
    page = client.get(reverse("notification-preferences"))
    assert page.status_code == 200
    # Everything on but "lead assigned" by e-mail, and "lead due soon" in the app.
    kinds = [row["kind"] for row in page.context["rows"]]
    form = {f"app-{k}": "on" for k in kinds if k != "lead_due_soon"}
    form |= {f"email-{k}": "on" for k in kinds if k != "lead_assigned"}
    form["digest"] = "on"
    client.post(reverse("notification-preferences"), form)
    assert set(
        NotificationPreference.objects.filter(user=with_emails.rep1).values_list(
            "kind", "in_app", "email"
        )
    ) == {("lead_assigned", True, False), ("lead_due_soon", False, True)}
    assert MorningDigest.objects.filter(user=with_emails.rep1).exists()

    tell(with_emails.rep1, "lead_assigned")
    services.notify([with_emails.rep1], kind="lead_due_soon", params={"title": "T", "due": "x"})
    assert list(OutboxMessage.objects.values_list("kind", flat=True)) == ["lead_due_soon"]
    listed = client.get(reverse("notifications")).content.decode()
    assert "was assigned to you" in listed and "goes back to the pool" not in listed
    assert Notification.objects.shown_to(with_emails.rep1).count() == 1


def test_no_email_without_an_address(org):
    org.rep3.email = ""
    org.rep3.save()
    tell(org.rep3)
    assert not OutboxMessage.objects.exists()


def test_the_notification_pages_run_bounded_queries(
    with_emails, client, django_assert_max_num_queries
):
    for _ in range(20):
        tell(with_emails.rep1)
    client.force_login(with_emails.rep1)
    for name in ("notifications", "notification-preferences"):
        with django_assert_max_num_queries(10):
            assert client.get(reverse(name)).status_code == 200


# The team's group robot -----------------------------------------------------------------------
def test_manager_alerts_are_posted_to_the_teams_group_robot(with_emails, monkeypatch):
    TeamAlertHook.objects.create(
        team=with_emails.team1, kind="wecom", url="https://qyapi.weixin.qq.com/hook?key=k"
    )
    posted = []

    class Answer:
        def __init__(self, body):
            self.body = body

        def read(self):
            return self.body

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

    def urlopen(request, timeout):
        posted.append((request.full_url, json.loads(request.data)))
        return Answer(b'{"errcode": 0, "errmsg": "ok"}')

    monkeypatch.setattr("urllib.request.urlopen", urlopen)
    services.notify(
        [with_emails.manager],
        kind="review_requested",
        params={"by": "rep1", "review": "Project approval", "name": "Pump"},
    )
    tell(with_emails.manager)  # not a manager alert: e-mail only
    send_due_outbox()

    assert [url for url, _body in posted] == ["https://qyapi.weixin.qq.com/hook?key=k"]
    assert posted[0][1]["msgtype"] == "text" and "Pump" in posted[0][1]["text"]["content"]
    assert OutboxMessage.objects.filter(channel="webhook", state="sent").count() == 1


def test_a_refused_webhook_fails_for_good(with_emails, monkeypatch):
    import io
    import urllib.error

    TeamAlertHook.objects.create(team=with_emails.team1, kind="dingtalk", url="https://x/robot")

    def urlopen(request, timeout):
        raise urllib.error.HTTPError(request.full_url, 404, "Not found", {}, io.BytesIO())

    monkeypatch.setattr("urllib.request.urlopen", urlopen)
    services.notify(
        [with_emails.manager],
        kind="review_requested",
        params={"by": "rep1", "review": "x", "name": "y"},
    )
    send_due_outbox()
    assert OutboxMessage.objects.get(channel="webhook").state == "failed"


# The morning digest ---------------------------------------------------------------------------
def test_the_morning_digest_has_the_days_activities_due_leads_and_approvals(with_emails):
    rep1 = with_emails.rep1
    MorningDigest.objects.create(user=rep1)
    MorningDigest.objects.create(user=with_emails.rep2)  # nothing for them today: no e-mail
    with time_machine.travel(NOW, tick=False):
        customer = CustomerFactory(owner=rep1, team=rep1.team)
        services.plan_activity(
            by=rep1,
            subject_type="customer",
            subject_id=customer.pk,
            kind="call",
            title="Call the buyer",
            due_at=NOW + timedelta(hours=3),
        )
        held_lead(rep1, due_in=timedelta(hours=5), title="Hot lead")
        mail.outbox.clear()
        OutboxMessage.objects.all().delete()

        assert digest.send_morning_digests() == 1
        assert digest.send_morning_digests() == 0  # once a day
        send_due_outbox()
    assert [m.to for m in mail.outbox] == [["rep1@example.com"]]
    body = mail.outbox[0].body
    assert "Call the buyer" in body and "Hot lead" in body
    with time_machine.travel(NOW + timedelta(days=1), tick=False):
        digest.send_morning_digests()
    assert MorningDigest.objects.get(user=rep1).last_sent_on == (NOW + timedelta(days=1)).date()


def test_the_digest_lists_approvals_for_the_manager(with_emails):
    from decimal import Decimal

    from opportunities import services as deals

    from ..factories import opportunity

    deal = opportunity(
        with_emails.rep1,
        amount=Decimal("6000000"),
        stage_code="approval",
        solution_owner=with_emails.solution,
    )
    deals.request_review(
        opportunity=deal,
        user=with_emails.rep1,
        kind="project_approval",
        relationship_assessment="ok",
    )
    text = digest.body_for(with_emails.solution, timezone.now())
    assert "Waiting for your approval or assessment" in text and deal.name in text


def test_a_sweep_sized_batch_is_handed_to_the_outbox_in_one_go(with_emails):
    count = services.notify_many(
        [
            (with_emails.rep1, "lead_recovered", {"title": f"L{i}", "due": "x"}, "")
            for i in range(1200)
        ]
    )
    assert count == 1200
    assert OutboxMessage.objects.count() == 1200
    assert not Notification.objects.filter(emailed_at__isnull=True).exists()
