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


def may_edit_customer(user, customer) -> bool:
    if user.is_superuser or user.role in {Role.ADMIN, Role.INTEGRATION}:
        return True
    return customer.owner_id == user.pk or manages(user, customer.owner)


@transaction.atomic
def create_customer(*, by, **fields):
    from .models import Customer

    if not (by.is_superuser or by.role in WRITERS):
        raise NotAllowed(_("Your role may not create customers."))
    fields.setdefault("owner", by if by.role in {Role.REP, Role.MANAGER} else None)
    owner = fields.get("owner")
    fields.setdefault("team", owner.team if owner else by.team)
    return Customer.objects.create(**fields)


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
    if not (may_edit_customer(by, customer) or by.role == Role.MARKETING):
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
    if existing is not None:
        return update(existing), False
    try:
        with transaction.atomic():
            return create_customer(by=by, external_id=external_id, **fields), True
    except IntegrityError:
        return update(Customer.objects.get(external_id=external_id)), False
