from django.db import models


class SingleRowSettings(models.Model):
    """A configuration table of one row, edited in the admin; until the row exists its field
    defaults apply."""

    class Meta:
        abstract = True

    @classmethod
    def current(cls):
        return cls.objects.order_by("id").first() or cls()
