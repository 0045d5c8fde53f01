"""Admin screens: integration tokens (the key is shown once, after creation; revoke), webhook
subscriptions, and the delivery log (events with their deliveries and every attempt) with Replay.
"""

from __future__ import annotations

import secrets

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import path
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from ltc.org.models import Role, User

from . import webhooks as sending
from .models import (
    DeliveryAttempt,
    DeliveryState,
    Event,
    IntegrationToken,
    OutboxEvent,
    Scope,
    WebhookDelivery,
    WebhookSubscription,
)
from .tokens import create_token, revoke_token


class TokenCreationForm(forms.ModelForm):
    user = forms.ModelChoiceField(
        label=_("integration user"),
        queryset=User.objects.filter(role=Role.INTEGRATION, is_active=True),
    )
    scopes = forms.MultipleChoiceField(
        label=_("scopes"),
        choices=Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Every token may read; tick what it may also write."),
    )

    class Meta:
        model = IntegrationToken
        fields = ["name", "user", "scopes", "expires_at"]


@admin.register(IntegrationToken)
class IntegrationTokenAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "prefix",
        "user",
        "scope_list",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    )
    list_filter = ("revoked_at",)
    list_select_related = ("user",)
    search_fields = ("name", "prefix", "user__username")
    actions = ["revoke"]
    readonly_fields = (
        "name",
        "user",
        "scopes",
        "prefix",
        "created_by",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    )

    @admin.display(description=_("scopes"))
    def scope_list(self, token):
        return ", ".join(token.scopes or [])

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = TokenCreationForm
        return super().get_form(request, obj, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.readonly_fields

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["name", "user", "scopes", "expires_at"]
        return list(self.readonly_fields)

    def save_model(self, request, obj, form, change):
        if change:
            return
        token, key = create_token(
            name=form.cleaned_data["name"],
            user=form.cleaned_data["user"],
            scopes=form.cleaned_data["scopes"],
            expires_at=form.cleaned_data.get("expires_at"),
            by=request.user,
        )
        obj.pk = token.pk
        obj.refresh_from_db()
        messages.warning(
            request,
            format_html(
                "{} <code>{}</code>",
                _("The token's key is shown this once; copy it now, it cannot be seen again:"),
                key,
            ),
        )

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request, queryset):
        count = 0
        for token in queryset.filter(revoked_at__isnull=True):
            revoke_token(token=token, by=request.user)
            count += 1
        self.message_user(
            request,
            ngettext("%(count)d token revoked.", "%(count)d tokens revoked.", count)
            % {"count": count},
        )


class SubscriptionForm(forms.ModelForm):
    events = forms.MultipleChoiceField(
        label=_("events"), choices=Event.choices, widget=forms.CheckboxSelectMultiple
    )
    secret = forms.CharField(
        label=_("secret"),
        required=False,
        max_length=200,
        help_text=_("Leave empty to generate one."),
    )

    class Meta:
        model = WebhookSubscription
        fields = ["name", "url", "secret", "events", "active"]

    def clean_secret(self):
        return self.cleaned_data.get("secret") or secrets.token_urlsafe(32)


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    form = SubscriptionForm
    list_display = ("name", "url", "event_list", "active", "created_at")
    list_filter = ("active",)

    @admin.display(description=_("events"))
    def event_list(self, subscription):
        return ", ".join(subscription.events or [])


class AttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    extra = 0
    can_delete = False
    fields = (
        "number",
        "at",
        "status_code",
        "succeeded",
        "error",
        "response_excerpt",
        "next_retry_at",
    )
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    """The delivery log: every event sent to every subscription, its attempts, and Replay."""

    list_display = (
        "event_name",
        "event_id",
        "subscription",
        "state",
        "attempts",
        "next_attempt_at",
        "delivered_at",
        "created_at",
    )
    list_filter = ("state", "subscription", "event__name")
    list_select_related = ("event", "subscription")
    search_fields = ("uuid", "event__uuid")
    date_hierarchy = "created_at"
    actions = ["replay"]
    inlines = [AttemptInline]
    fields = (
        "uuid",
        "event",
        "payload",
        "subscription",
        "state",
        "attempts",
        "next_attempt_at",
        "delivered_at",
        "created_at",
    )
    readonly_fields = fields

    change_form_template = "admin/integrations/webhookdelivery/change_form.html"

    def has_add_permission(self, request):
        return False

    def get_urls(self):
        return [
            path(
                "<int:pk>/replay/",
                self.admin_site.admin_view(self.replay_view),
                name="integrations_webhookdelivery_replay",
            ),
            *super().get_urls(),
        ]

    def replay_view(self, request, pk):
        """The Replay button of a delivery's page (POST): queue it again, back to its page."""
        delivery = get_object_or_404(WebhookDelivery, pk=pk)
        if request.method != "POST" or not self.has_change_permission(request, delivery):
            raise PermissionDenied
        if sending.replay(deliveries=[delivery.pk], by=request.user):
            self.message_user(request, _("The delivery is queued again."))
        else:
            self.message_user(request, _("The delivery is being sent right now."), messages.WARNING)
        return redirect("admin:integrations_webhookdelivery_change", delivery.pk)

    @admin.display(description=_("event"), ordering="event__name")
    def event_name(self, delivery):
        return delivery.event.get_name_display()

    @admin.display(description=_("payload"))
    def payload(self, delivery):
        return format_html("<pre>{}</pre>", delivery.event.payload)

    @admin.action(description=_("Replay: send the selected deliveries again"))
    def replay(self, request, queryset):
        count = sending.replay(
            deliveries=list(queryset.values_list("pk", flat=True)), by=request.user
        )
        self.message_user(
            request,
            ngettext(
                "%(count)d delivery queued again.", "%(count)d deliveries queued again.", count
            )
            % {"count": count},
        )


class DeliveryInline(admin.TabularInline):
    model = WebhookDelivery
    extra = 0
    can_delete = False
    fields = ("subscription", "state", "attempts", "next_attempt_at", "delivered_at")
    readonly_fields = fields
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(OutboxEvent)
class OutboxEventAdmin(admin.ModelAdmin):
    list_display = ("name", "id", "uuid", "created_at", "delivery_summary")
    list_filter = ("name",)
    search_fields = ("uuid",)
    date_hierarchy = "created_at"
    fields = ("uuid", "name", "payload", "created_at")
    readonly_fields = fields
    inlines = [DeliveryInline]

    def has_add_permission(self, request):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("deliveries")

    @admin.display(description=_("deliveries"))
    def delivery_summary(self, event):
        states = [d.state for d in event.deliveries.all()]
        return (
            ", ".join(f"{DeliveryState(s).label}: {states.count(s)}" for s in sorted(set(states)))
            or "-"
        )
