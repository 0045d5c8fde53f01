from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ltc.core.normalize import company_key, phone_key

from .querysets import ContactQuerySet, CustomerQuerySet


class Customer(models.Model):
    name = models.CharField(_("name"), max_length=200)
    name_key = models.CharField(max_length=200, db_index=True, editable=False)
    industry = models.CharField(_("industry"), max_length=100, blank=True)
    region = models.CharField(_("region"), max_length=100, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    # The unified social credit code (统一社会信用代码) or another tax registration number.
    tax_id = models.CharField(_("tax id"), max_length=50, blank=True)
    website = models.CharField(_("website"), max_length=200, blank=True)
    # The id of this customer in the ERP that syncs it (``PUT customers/by-external-id/<id>/``).
    external_id = models.CharField(_("external id"), max_length=100, blank=True, default="")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account owner"),
        null=True,
        blank=True,
        related_name="customers",
        on_delete=models.SET_NULL,
    )
    team = models.ForeignKey(
        "org.Team",
        verbose_name=_("team"),
        null=True,
        blank=True,
        related_name="customers",
        on_delete=models.SET_NULL,
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # A duplicate folded into another customer: every related row moved there; the row stays so
    # old links and the ERP's id still lead to the survivor.
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        related_name="merged_duplicates",
        on_delete=models.PROTECT,
        editable=False,
    )
    merged_at = models.DateTimeField(_("merged"), null=True, blank=True, editable=False)

    objects = CustomerQuerySet.as_manager()

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["external_id"],
                condition=~models.Q(external_id=""),
                name="customer_external_id_unique",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.name_key = company_key(self.name)
        if kwargs.get("update_fields") is not None and "name" in kwargs["update_fields"]:
            kwargs["update_fields"] = set(kwargs["update_fields"]) | {"name_key"}
        super().save(*args, **kwargs)


class Contact(models.Model):
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), related_name="contacts", on_delete=models.CASCADE
    )
    name = models.CharField(_("name"), max_length=100)
    title = models.CharField(_("job title"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    # The phone's digits without the country code: the same number written differently matches.
    phone_key = models.CharField(max_length=40, blank=True, db_index=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ContactQuerySet.as_manager()

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.phone_key = phone_key(self.phone)
        if kwargs.get("update_fields") is not None and "phone" in kwargs["update_fields"]:
            kwargs["update_fields"] = set(kwargs["update_fields"]) | {"phone_key"}
        super().save(*args, **kwargs)
