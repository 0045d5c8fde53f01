"""A changed password revokes every API token of the user: whoever copied a token (or the old
password) loses access with it. Sessions need nothing: Django ends the others by itself (the
session carries a hash of the password), and the password views keep the current one."""

from django.contrib.auth import get_user_model
from django.db.models.signals import pre_save
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
