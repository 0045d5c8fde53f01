"""Filters shared by every app's filtersets."""

from __future__ import annotations

import django_filters
from django import forms

MAX_ID = 2**63 - 1  # a database id (bigint); larger numbers would overflow the query, not filter


class IdFilter(django_filters.NumberFilter):
    """A filter on a related row's id: a whole number from 1 to the largest id, else 400."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)
