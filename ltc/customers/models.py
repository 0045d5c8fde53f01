from datetime import timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from ltc.core.fsm import requirement
from ltc.core.models import TakenBack
from ltc.core.normalize import company_key, phone_key

from .querysets import ContactQuerySet, CustomerPoolQuerySet, CustomerQuerySet


class CustomerPool(models.Model):
    """A customer pool (客户公海) of a region or team, or the company's default one, with its
    rule: a customer whose owner logs no activity on it for ``idle_days`` and that has no open
    deal comes back here (``ltc.customers.pool``)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    team = models.OneToOneField(
        "org.Team",
        verbose_name=_("team"),
        null=True,
        blank=True,
        related_name="customer_pool",
        on_delete=models.PROTECT,
    )
    is_default = models.BooleanField(_("default pool"), default=False)
    idle_days = models.PositiveSmallIntegerField(
        _("back to the pool after this many days without activity"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(3650)],
    )
    max_held = models.PositiveSmallIntegerField(
        _("most customers a rep may hold"), default=100, validators=[MinValueValidator(1)]
    )
    reclaim_cooldown_days = models.PositiveSmallIntegerField(
        _("days before a rep may re-claim a customer taken from them"),
        default=30,
        validators=[MaxValueValidator(3650)],
    )
    warning_days = models.PositiveSmallIntegerField(
        _("warn the owner this many days before recovery"),
        default=3,
        validators=[MaxValueValidator(90)],
    )

    objects = CustomerPoolQuerySet.as_manager()

    class Meta:
        verbose_name = _("customer pool")
        verbose_name_plural = _("customer pools")
        ordering = ["-is_default", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=models.Q(is_default=True),
                name="one_default_customer_pool",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def idle(self) -> timedelta:
        return timedelta(days=self.idle_days)


class PoolState(models.TextChoices):
    HELD = "held", _("With its owner")
    POOLED = "pooled", _("In the customer pool")


@requirement("unowned", _("The customer is in the pool without an owner"))
def has_no_owner(customer) -> bool:
    return customer.owner_id is None


@requirement("owner", _("The customer has an owner"))
def has_owner(customer) -> bool:
    return customer.owner_id is not None


@requirement("pool", _("The customer belongs to a customer pool"))
def has_pool(customer) -> bool:
    return customer.pool_id is not None


class Customer(FSMModelMixin, models.Model):
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

    # The customer pool (ltc.customers.pool). A customer without a pool is under no pool rule.
    # recovery_count has a db_default: the bench generator COPYs customers without it (it names
    # pool_state; a protected FSM field cannot take a db_default, Django sets it after insert).
    pool = models.ForeignKey(
        CustomerPool,
        verbose_name=_("customer pool"),
        null=True,
        blank=True,
        related_name="customers",
        on_delete=models.PROTECT,
    )
    pool_state = FSMField(
        _("pool state"),
        default=PoolState.HELD,
        choices=PoolState.choices,
        protected=True,
    )
    assigned_at = models.DateTimeField(_("taken"), null=True, blank=True, editable=False)
    last_touched_at = models.DateTimeField(
        _("owner's last activity"), null=True, blank=True, editable=False
    )
    pool_due_at = models.DateTimeField(
        _("back to the pool at"), null=True, blank=True, editable=False
    )
    warned_at = models.DateTimeField(null=True, blank=True, editable=False)
    recovery_count = models.PositiveIntegerField(
        _("times recovered"), default=0, db_default=0, editable=False
    )

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
            ),
            # A pooled customer has no owner.
            models.CheckConstraint(
                condition=~models.Q(pool_state="pooled", owner__isnull=False),
                name="customer_pooled_without_owner",
            ),
        ]
        indexes = [
            # The recovery sweep and the warnings ask for held customers by deadline.
            models.Index(
                fields=["pool_due_at", "id"],
                name="customer_pool_due_idx",
                condition=models.Q(pool_state="held", pool_due_at__isnull=False),
            ),
            models.Index(
                fields=["pool", "name"],
                name="customer_pooled_idx",
                condition=models.Q(pool_state="pooled"),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.name_key = company_key(self.name)
        if kwargs.get("update_fields") is not None and "name" in kwargs["update_fields"]:
            kwargs["update_fields"] = set(kwargs["update_fields"]) | {"name_key"}
        super().save(*args, **kwargs)

    @property
    def is_pooled(self) -> bool:
        return self.pool_state == PoolState.POOLED

    # Pool transitions. The service (ltc.customers.pool) checks who may act and the limits.
    @transition(
        field=pool_state, source=PoolState.POOLED, target=PoolState.HELD, conditions=[has_no_owner]
    )
    def claim(self, *, by, at) -> None:
        self._take(by, at)

    @transition(field=pool_state, source=[PoolState.POOLED, PoolState.HELD], target=PoolState.HELD)
    def assign(self, *, to, at) -> None:
        self._take(to, at)

    @transition(
        field=pool_state,
        source=PoolState.HELD,
        target=PoolState.POOLED,
        conditions=[has_owner, has_pool],
    )
    def release(self, *, at) -> None:
        self._return_to_pool()

    def _take(self, user, at) -> None:
        self.owner = user
        self.team_id = user.team_id or self.team_id
        self.assigned_at = at
        self.pool_due_at = at + self.pool.idle if self.pool_id else None
        self.warned_at = None

    def _return_to_pool(self) -> None:
        self.owner = None
        self.assigned_at = None
        self.pool_due_at = None
        self.warned_at = None


class CustomerRecovery(TakenBack):
    """A customer taken back from its owner: by the recovery sweep or released by hand; when
    someone takes it from the pool again, ``reclaimed_by``/``reclaimed_at`` say who and when."""

    class Kind(models.TextChoices):
        RECOVERED = "recovered", _("Recovered: no activity and no open deal")
        RELEASED = "released", _("Released by hand")

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), related_name="recoveries", on_delete=models.CASCADE
    )
    pool = models.ForeignKey(
        CustomerPool, verbose_name=_("customer pool"), related_name="+", on_delete=models.PROTECT
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    due_at = models.DateTimeField(_("was due back"), null=True, blank=True)
    reclaimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("taken again by"),
        null=True,
        blank=True,
        related_name="+",
        on_delete=models.PROTECT,
    )
    reclaimed_at = models.DateTimeField(_("taken again"), null=True, blank=True)

    class Meta:
        verbose_name = _("customer recovery")
        verbose_name_plural = _("customer recoveries")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["former_owner", "customer", "at"], name="custrec_owner_idx"),
            models.Index(fields=["at"], name="custrec_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} ← {self.former_owner_id}"


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
