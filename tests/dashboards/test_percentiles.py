"""The percentiles of the dashboards (``dashboards.stats.nearest_rank``): the p-th percentile of
n values is the value at rank ⌈p·n/100⌉ of them sorted. Both of its forms (numbering the rows, on
every database; PostgreSQL's ``percentile_disc``, which PostgreSQL runs) give that on random
values, groups and NULLs, including counts where p·n/100 in floating point lands a hair above a
whole number (0.55 × 100 is 55.00000000000001, which PostgreSQL took for rank 56)."""

import pytest
from django.db import connection, transaction
from django.db.models import Case, IntegerField, Value, When
from django.db.models.functions import Cast
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from dashboards import stats
from ltc.org.models import Team

from ..profiles import examples

PERCENTILES = (50, 55, 90, 99)
values = st.one_of(st.none(), st.integers(min_value=-50, max_value=500))
rows = st.lists(st.tuples(st.integers(min_value=0, max_value=1), values), max_size=45)


def definition(pairs) -> dict:
    """Nearest rank, in Python, per group (NULLs left out; a group of NULLs only is absent)."""
    result = {}
    for group in {g for g, _v in pairs}:
        ranked = sorted(v for g, v in pairs if g == group and v is not None)
        if ranked:
            n = len(ranked)
            result[group] = {
                "count": n,
                **{p: ranked[(p * n + 99) // 100 - 1] for p in PERCENTILES},
            }
    return result


def forms():
    yield stats.by_window
    if connection.vendor == "postgresql":
        yield stats.by_percentile_disc


@pytest.mark.django_db
@settings(
    max_examples=examples(80),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(pairs=rows)
@example(pairs=[(0, v) for v in range(100)] + [(1, v) for v in range(10)])
@example(pairs=[(0, None), (1, 7)])
def test_every_form_gives_the_nearest_rank_per_group_and_overall(pairs):
    with transaction.atomic():
        parents = [Team.objects.create(name=f"Group {g}") for g in (0, 1)]
        teams = Team.objects.bulk_create(
            Team(name=f"Team {i}", parent=parents[g]) for i, (g, _v) in enumerate(pairs)
        )
        # Typed for PostgreSQL, whose percentile_disc cannot rank an untyped NULL.
        value = Cast(
            Case(
                *[When(pk=t.pk, then=Value(v)) for t, (_g, v) in zip(teams, pairs, strict=True)],
                default=None,
                output_field=IntegerField(),
            ),
            IntegerField(),
        )
        queryset = Team.objects.filter(parent__in=parents)
        by_group = {parents[g].pk: row for g, row in definition(pairs).items()}
        overall = definition([(None, v) for _g, v in pairs])
        for form in forms():
            rows = stats.valued(queryset, value)
            got = form(rows, stats.Ask("parent_id", PERCENTILES))
            assert got == by_group, (form.__name__, pairs)
            assert form(rows, stats.Ask(None, PERCENTILES)) == overall, (form.__name__, pairs)
        assert stats.nearest_rank(queryset, value, group="parent_id", percentiles=PERCENTILES) == (
            by_group
        )
        # The group's average comes in the same statement when asked (order to cash uses it).
        for form in forms():
            got = form(stats.valued(queryset, value), stats.Ask("parent_id", (50,), average=True))
            for key, row in got.items():
                kept = [v for g, v in pairs if parents[g].pk == key and v is not None]
                assert float(row["average"]) == pytest.approx(sum(kept) / len(kept))
                assert row["count"] == by_group[key]["count"]
        transaction.set_rollback(True)
