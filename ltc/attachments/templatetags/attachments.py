from django import template

from ..selectors import panel_context

register = template.Library()


@register.inclusion_tag("attachments/_panel.html", takes_context=True)
def attachments_panel(context, subject):
    """``{% attachments_panel record %}``: the record's files and the upload form, in place."""
    request = context["request"]
    return {
        **panel_context(request.user, subject),
        "request": request,
        "csrf_token": context.get("csrf_token"),
    }
