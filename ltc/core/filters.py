"""Filters shared by every app's filtersets."""

from __future__ import annotations

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _

from ltc.core.numbers import whole_number

MAX_ID = 2**63 - 1  # a database id (bigint); larger numbers would overflow the query, not filter


class IdFilter(django_filters.NumberFilter):
    """A filter on a related row's id: a whole number from 1 to the largest id, else 400."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


def id_or_name(value: str) -> None:
    """A name, or a whole number that can be a database id: "-1", "1.5" or "1e300" is neither,
    and is refused (400) as the id filters refuse it."""
    text = (value or "").strip()
    try:
        float(text)
    except ValueError:
        return  # a name
    if not 1 <= (whole_number(text) or 0) <= MAX_ID:
        raise ValidationError(
            _("Enter a name, or a whole number from 1 to %(max)s."), params={"max": MAX_ID}
        )


class SuggestInput(forms.TextInput):
    """A text box with a ``<datalist>`` of names to pick from (the browser's autocomplete): the
    names are what ``suggest()`` answers, asked when the form is drawn."""

    def __init__(self, suggest, attrs=None):
        super().__init__(attrs)
        self.suggest = suggest

    def render(self, name, value, attrs=None, renderer=None):
        attrs = dict(attrs or {})
        list_id = f"{attrs.get('id') or 'id_' + name}-names"
        attrs.update(list=list_id, autocomplete="off")
        box = super().render(name, value, attrs, renderer)
        options = format_html_join("", '<option value="{}">', ((n,) for n in self.suggest()))
        return format_html('{}<datalist id="{}">{}</datalist>', box, list_id, options)


class NamedFilter(django_filters.CharFilter):
    """A related record (a person, a customer) picked by its name, as people know it; an id
    (what the API and the drill-down links send) still works.

    Text that is not a number keeps the rows whose related record's ``names`` contain it (for a
    person, each of its words in one of the names). The
    box suggests names from ``suggest(user)``: the viewer's scoped records, at most
    ``SUGGESTIONS`` of them, one query when the form is drawn."""

    SUGGESTIONS = 200

    def __init__(self, *args, names: tuple[str, ...], suggest=None, **kwargs):
        kwargs.setdefault("max_length", 200)
        kwargs.setdefault("validators", [id_or_name])
        super().__init__(*args, **kwargs)
        self.names = names
        self.suggest = suggest

    @property
    def field(self):
        field = super().field
        request = getattr(getattr(self, "parent", None), "request", None)
        user = getattr(request, "user", None)
        if self.suggest is not None and user is not None and user.is_authenticated:
            suggest, limit = self.suggest, self.SUGGESTIONS
            field.widget = SuggestInput(lambda: suggest(user, limit))
        return field

    def filter(self, qs, value):
        value = " ".join((value or "").split())
        if not value:
            return qs
        if whole_number(value) is not None:
            return qs.filter(**{f"{self.field_name}_id": whole_number(value)})
        # "John Smith" is a first and a last name: each word must be in one of the names.
        match = Q()
        for word in value.split() if len(self.names) > 1 else [value]:
            either = Q()
            for name in self.names:
                either |= Q(**{f"{self.field_name}__{name}__icontains": word})
            match &= either
        return qs.filter(match)


USER_NAMES = ("first_name", "last_name", "username")


def suggest_users(user, limit: int) -> list[str]:
    """The people the viewer sees (``visible_users``), by the name the pages show."""
    from ltc.org.scoping import visible_users

    rows = visible_users(user).order_by("first_name", "username")[:limit]
    names = (
        " ".join(part for part in (first, last) if part) or username
        for first, last, username in rows.values_list("first_name", "last_name", "username")
    )
    return list(dict.fromkeys(names))


def suggest_customers(user, limit: int) -> list[str]:
    """The customers the viewer sees, by name."""
    from ltc.customers.models import Customer

    names = Customer.objects.visible_to(user).order_by("name").values_list("name", flat=True)
    return list(dict.fromkeys(names[:limit]))


def suggest_from(scoped, field: str):
    """A ``suggest`` for ``NamedFilter``: the values of ``field`` on the rows ``scoped(user)``
    answers (the viewer's scoped queryset), in order, at most ``limit`` of them."""

    def suggest(user, limit: int) -> list[str]:
        values = scoped(user).order_by(field).values_list(field, flat=True)
        return list(dict.fromkeys(values[:limit]))

    return suggest


def named_filter(field_name: str, label, names: tuple[str, ...], scoped) -> NamedFilter:
    """A related record picked by its ``names`` (or its id), suggesting the first of them from the
    records ``scoped(user)`` lets the viewer see."""
    return NamedFilter(
        field_name=field_name, label=label, names=names, suggest=suggest_from(scoped, names[0])
    )


def owner_filter(field_name: str, label) -> NamedFilter:
    return NamedFilter(field_name=field_name, label=label, names=USER_NAMES, suggest=suggest_users)


def customer_filter(field_name: str, label) -> NamedFilter:
    return NamedFilter(
        field_name=field_name, label=label, names=("name",), suggest=suggest_customers
    )
