"""A changed password revokes every API token of the user: whoever copied a token (or the old
password) loses access with it. Sessions need nothing: Django ends the others by itself (the
session carries a hash of the password), and the password views keep the current one."""

from django.contrib.auth import get_user_model
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver


@receiver(pre_save, sender=get_user_model(), dispatch_uid="revoke_tokens_on_password_change")
def revoke_tokens_on_password_change(sender, instance, update_fields=None, raw=False, **kwargs):
    if raw or instance.pk is None:
        return
    if update_fields is not None and "password" not in update_fields:
        return  # e.g. last_login on every login: no query for those
    before = sender.objects.filter(pk=instance.pk).values_list("password", flat=True).first()
    if before is None or before == instance.password:
        return
    # In the save's own transaction: if the new password is not stored, the tokens stay.
    from .tokens import revoke_all_user_tokens

    revoke_all_user_tokens(instance.pk)


@receiver(post_save, sender=get_user_model(), dispatch_uid="forget_cached_tokens_on_user_save")
def forget_cached_tokens_on_user_save(sender, instance, created=False, raw=False, **kwargs):
    """The cached tokens carry their user as it was (role, team, active): a saved user's are
    looked up afresh (ltc/security/token_cache.py)."""
    if raw or created:
        return
    if kwargs.get("update_fields") is not None and set(kwargs["update_fields"]) <= {"last_login"}:
        return  # every login writes last_login: nothing an API call reads
    from .token_cache import forget_user

    forget_user(instance.pk)
