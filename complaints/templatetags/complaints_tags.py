from django import template

from ..selectors import panel

register = template.Library()


@register.inclusion_tag("complaints/_panel.html", takes_context=True)
def complaints_panel(context, record):
    """The complaints on a contract or an order, with the link to open one there."""
    kind = record._meta.model_name
    section = panel(context["request"].user, **{kind: record})
    return {**section, "request": context["request"]}
