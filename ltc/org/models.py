from __future__ import annotations

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    MARKETING = "marketing", _("Marketing")
    REP = "rep", _("Sales rep (AR)")
    SOLUTION = "solution", _("Solution responsible (SR)")
    DELIVERY = "delivery", _("Fulfillment responsible (FR)")
    MANAGER = "manager", _("Sales manager")
    FINANCE = "finance", _("Finance")
    ADMIN = "admin", _("Administrator")
    INTEGRATION = "integration", _("Integration (ERP/OA)")
    # A partner organisation's person: sees only the partner portal (app ``partners``).
    PARTNER = "partner", _("Partner user")


class Team(models.Model):
    """A node of the organisation tree (region → team). Its leader manages its whole subtree."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent team"),
        null=True,
        blank=True,
        related_name="children",
        on_delete=models.PROTECT,
    )
    leader = models.ForeignKey(
        "org.User",
        verbose_name=_("leader"),
        null=True,
        blank=True,
        related_name="led_teams",
        on_delete=models.SET_NULL,
    )

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.REP)
    team = models.ForeignKey(
        Team,
        verbose_name=_("team"),
        null=True,
        blank=True,
        related_name="members",
        on_delete=models.SET_NULL,
    )
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    language = models.CharField(
        _("language"),
        max_length=10,
        default="zh-hans",
        choices=[("zh-hans", "简体中文"), ("en", "English")],
    )

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def is_partner(self) -> bool:
        """A partner organisation's user: every internal scope is empty for them."""
        return self.role == Role.PARTNER and not self.is_superuser

    @property
    def is_admin_role(self) -> bool:
        return self.role == Role.ADMIN or self.is_superuser

    def has_role(self, *roles: str) -> bool:
        return (
            self.is_superuser
            or self.role in roles
            or (self.role == Role.ADMIN and Role.ADMIN in roles)
        )
