"""Links only where the viewer may go: ``{% may_open record as ok %}`` asks the record's scoped
queryset (``visible_to(user)``, the rule every page's 404 follows) whether the request's user
can open it, so that a template draws the name as plain text instead of a dead link.

One query per record, remembered for the request (a page asking twice about the same record
asks the database once); list pages that would ask per row pass the visible ids instead."""

from __future__ import annotations

from django import template

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
