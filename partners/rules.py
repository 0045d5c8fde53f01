"""Who may do what with partners' registrations: one place, asked by services, views and API."""

from __future__ import annotations

from ltc.org.models import Role
from ltc.org.scoping import is_partner_user, manages

from .querysets import partner_id_of


def may_register(user) -> bool:
    """A partner user of an active partner registers deals; nobody else does (our own staff
    open opportunities directly)."""
    return is_partner_user(user) and partner_id_of(user) is not None


def may_decide(user, registration) -> bool:
    """The partner's channel manager, a manager above them, or an administrator."""
    if is_partner_user(user):
        return False
    if user.is_superuser or user.role == Role.ADMIN:
        return True
    channel_manager = registration.partner.channel_manager
    return channel_manager.pk == user.pk or manages(user, channel_manager)


def may_upload(user, registration) -> bool:
    """The partner's users add documents to their registrations; the deciders may too."""
    if is_partner_user(user):
        return partner_id_of(user) == registration.partner_id
    return may_decide(user, registration)
