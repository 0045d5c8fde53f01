from django import template
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext as _

register = template.Library()


@register.simple_tag(takes_context=True)
def sort_th(context, key: str, label, css: str = ""):
    """A column header that sorts the list by ``key`` (ascending first, then descending), keeping
    the filters and going back to the first page; ``aria-sort`` tells screen readers."""
    request = context["request"]
    sorting = context.get("sorting")
    current = sorting is not None and sorting.key == key
    descending = current and sorting.descending
    params = [
        (k, v) for k, vs in request.GET.lists() for v in vs if k not in {"sort", "page", "cursor"}
    ]
    params.append(("sort", key if not current or descending else f"-{key}"))
    href = "?" + urlencode(params)
    if current:
        aria = "descending" if descending else "ascending"
        arrow = "▼" if descending else "▲"
    else:
        aria, arrow = "none", "↕"
    title = _("Sort by %(column)s") % {"column": label}
    return format_html(
        '<th class="sortable {}" aria-sort="{}"><a href="{}" title="{}">{} '
        '<span class="sort-arrow" aria-hidden="true">{}</span></a></th>',
        css,
        aria,
        href,
        title,
        label,
        arrow,
    )
