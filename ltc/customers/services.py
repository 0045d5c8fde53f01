"""Creating and editing customers and contacts: who may, and what they own."""

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from ltc.core.errors import InvalidInput, NotAllowed
from ltc.org.models import Role
from ltc.org.scoping import manages

WRITERS = {
    Role.REP,
    Role.MANAGER,
    Role.MARKETING,
    Role.ADMIN,
    Role.INTEGRATION,
    Role.SOLUTION,
    Role.DELIVERY,
}


def may_create_customer(user) -> bool:
    return user.is_superuser or user.role in WRITERS


def may_edit_contacts(user, customer) -> bool:
    return may_edit_customer(user, customer) or user.role == Role.MARKETING


def may_merge_customers(user) -> bool:
    """Merging customers rewrites the records of many people: a manager or an admin (SPEC)."""
    return user.is_superuser or user.role in {Role.ADMIN, Role.MANAGER}


def may_edit_customer(user, customer) -> bool:
    if user.is_superuser or user.role in {Role.ADMIN, Role.INTEGRATION}:
        return True
    return customer.owner_id == user.pk or manages(user, customer.owner)


@transaction.atomic
def create_customer(*, by, **fields):
    from .models import Customer

    if not may_create_customer(by):
        raise NotAllowed(_("Your role may not create customers."))
    fields.setdefault("owner", by if by.role in {Role.REP, Role.MANAGER} else None)
    owner = fields.get("owner")
    fields.setdefault("team", owner.team if owner else by.team)
    customer = Customer(**fields)
    if owner is not None:
        from django.utils import timezone

        from .pool import start_clock

        start_clock(customer, owner=owner, now=timezone.now())
    customer.save(force_insert=True)
    return customer


@transaction.atomic
def update_customer(*, customer, by, **fields):
    if not may_edit_customer(by, customer):
        raise NotAllowed(_("Only the account owner or their manager may edit this customer."))
    for name, value in fields.items():
        setattr(customer, name, value)
    customer.save()
    return customer


@transaction.atomic
def save_contact(*, by, contact=None, **fields):
    from .models import Contact

    customer = fields.get("customer") or contact.customer
    if contact is not None and fields.get("customer") and contact.customer_id != customer.pk:
        raise InvalidInput(_("A contact cannot move to another customer here."), "customer")
    if not may_edit_contacts(by, customer):
        raise NotAllowed(_("Only the account owner or their manager may change its contacts."))
    if contact is None:
        return Contact.objects.create(**fields)
    for name, value in fields.items():
        setattr(contact, name, value)
    contact.save()
    return contact


def upsert_customer(*, external_id: str, by, **fields):
    """The customer an ERP knows as ``external_id``: updated when it exists, created when not.
    Answers ``(customer, created)``. Two concurrent calls with a new id create one customer: the
    unique constraint refuses the second insert, which then updates the first one's row."""
    from django.db import IntegrityError

    from .models import Customer

    external_id = (external_id or "").strip()
    if not external_id or len(external_id) > 100:
        raise InvalidInput(_("The external id is 1 to 100 characters."), "external_id")

    def update(customer):
        if not Customer.objects.visible_to(by).filter(pk=customer.pk).exists():
            raise NotAllowed(_("This external id belongs to a customer you cannot see."))
        return update_customer(customer=customer, by=by, **fields)

    existing = Customer.objects.filter(external_id=external_id).first()
    while existing is not None and existing.merged_into_id:  # merged: the survivor answers
        existing = Customer.objects.get(pk=existing.merged_into_id)
    if existing is not None:
        return update(existing), False
    try:
        with transaction.atomic():
            return create_customer(by=by, external_id=external_id, **fields), True
    except IntegrityError:
        return update(Customer.objects.get(external_id=external_id)), False


# Duplicates -----------------------------------------------------------------------------------
def tax_id_key(tax_id: str) -> str:
    return "".join((tax_id or "").split()).upper()


def similar_customers(*, name: str = "", tax_id: str = "", phone: str = "", exclude=None):
    """The customers that look like the one described: the same normalised name, the same tax id,
    or a contact with the same phone number. Unscoped: the caller splits what the user sees."""
    from django.db.models import Q

    from ltc.core.normalize import company_key, phone_key

    from .models import Customer

    q = Q(pk__in=[])
    if company_key(name):
        q |= Q(name_key=company_key(name))
    if tax_id_key(tax_id):
        q |= Q(tax_id__iexact=tax_id_key(tax_id))
    if phone_key(phone):
        q |= Q(contacts__phone_key=phone_key(phone))
    qs = Customer.objects.filter(q, merged_into__isnull=True)  # a merged one lives on elsewhere
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    return qs.distinct()


def duplicate_warning(user, *, name="", tax_id="", phone="", exclude=None) -> dict:
    """What a form shows before saving a customer or contact that looks like another customer:
    the matching customers ``user`` sees, and how many more match that they do not see."""
    similar = similar_customers(name=name, tax_id=tax_id, phone=phone, exclude=exclude)
    visible = list(similar.visible_to(user).select_related("owner").order_by("name", "id")[:20])
    hidden = similar.exclude(pk__in=[c.pk for c in visible]).count() if len(visible) < 20 else 0
    return {"visible": visible, "hidden": hidden, "any": bool(visible or hidden)}
