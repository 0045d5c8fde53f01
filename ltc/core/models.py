from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SingleRowSettings(models.Model):
    """A configuration table of one row, edited in the admin; until the row exists its field
    defaults apply."""

    class Meta:
        abstract = True

    @classmethod
    def current(cls):
        return cls.objects.order_by("id").first() or cls()


class TakenBack(models.Model):
    """A record taken back from its owner into a pool (a lead, a customer): by a recovery sweep
    or released by hand. The concrete model adds the record, its ``kind`` choices and indexes;
    former_owner leads their (former_owner, record, at) index, so it has no index of its own."""

    former_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("former owner"),
        related_name="+",
        on_delete=models.PROTECT,
        db_index=False,
    )
    reason = models.TextField(_("reason"), max_length=2000)
    at = models.DateTimeField(_("when"))

    class Meta:
        abstract = True
