"""Links only where the viewer may go: ``{% may_open record as ok %}`` asks the record's scoped
queryset (``visible_to(user)``, the rule every page's 404 follows) whether the request's user
can open it, so that a template draws the name as plain text instead of a dead link; and
``|phone_link`` / ``|email_link`` make phone numbers and addresses ``tel:`` / ``mailto:`` links.

One query per record, remembered for the request (a page asking twice about the same record
asks the database once); list pages that would ask per row pass the visible ids instead."""

from __future__ import annotations

import re

from django import template
from django.utils.html import conditional_escape, format_html

register = template.Library()

CACHE = "_ltc_may_open"


@register.simple_tag(takes_context=True)
def may_open(context, record) -> bool:
    request = context.get("request")
    user = getattr(request, "user", None)
    if record is None or getattr(record, "pk", None) is None or user is None:
        return False
    if not user.is_authenticated:
        return False
    cache = request.__dict__.setdefault(CACHE, {})
    key = (record._meta.label, record.pk)
    if key not in cache:
        manager = type(record)._default_manager
        cache[key] = manager.visible_to(user).filter(pk=record.pk).exists()
    return cache[key]


@register.filter
def phone_link(value) -> str:
    """A phone number as a ``tel:`` link (dialable: digits and a leading +), escaped."""
    text = str(value or "").strip()
    dial = re.sub(r"[^\d+]", "", text)
    dial = dial[:1] + dial[1:].replace("+", "")
    if not dial.strip("+"):
        return conditional_escape(text)
    return format_html('<a href="tel:{}">{}</a>', dial, text)


@register.filter
def email_link(value) -> str:
    """An e-mail address as a ``mailto:`` link, escaped."""
    text = str(value or "").strip()
    if "@" not in text:
        return conditional_escape(text)
    return format_html('<a href="mailto:{}">{}</a>', text, text)
