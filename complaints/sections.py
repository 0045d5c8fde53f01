"""The customer 360 page's complaints section (registered with ltc.customers.sections)."""

from ltc.customers.sections import register

from .selectors import panel


@register
def complaints_section(user, customer) -> list[dict]:
    return [{"template": "complaints/_section.html", **panel(user, customer=customer)}]
