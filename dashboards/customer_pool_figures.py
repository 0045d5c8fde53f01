"""The customer pool (客户公海) by rep: how many customers were taken back from each rep, how
many each took again from the pool, and how many each holds untouched.

- Recovered: the customers the recovery sweep took back from the rep in the period (releases
  by hand are not counted: the rep chose them).
- Reclaimed: the customers the rep took from the pool in the period (claimed or assigned) that
  had been recovered or released before.
- Untouched: the customers under a pool rule the rep holds now without an activity logged since
  they got them — the next ones the sweep takes back.

Four queries whatever the number of rows."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Count, F, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from .periods import Period
from .scope import Scope


def _people(scope: Scope, field: str) -> Q:
    """The rows of the scope's people, ``field`` naming the person."""
    if scope.owner is not None:
        return Q(**{field: scope.owner})
    if scope.team_ids is not None:
        return Q(**{f"{field}_id__in": scope.member_ids})
    return Q(**{f"{field}__isnull": False})


def recovered(scope: Scope, period: Period) -> QuerySet:
    """The recoveries by the sweep in the period of the customers of the scope's people."""
    from ltc.customers.models import CustomerRecovery

    in_period = Q(at__gte=period.start_at, at__lt=period.end_at)
    return CustomerRecovery.objects.filter(
        in_period, _people(scope, "former_owner"), kind=CustomerRecovery.Kind.RECOVERED
    )


def reclaimed(scope: Scope, period: Period) -> QuerySet:
    """The recoveries whose customer one of the scope's people took again in the period."""
    from ltc.customers.models import CustomerRecovery

    return CustomerRecovery.objects.filter(
        _people(scope, "reclaimed_by"),
        reclaimed_at__gte=period.start_at,
        reclaimed_at__lt=period.end_at,
    )


def untouched(scope: Scope) -> QuerySet:
    """The customers under a pool rule the scope's people hold with no activity since."""
    from ltc.customers.models import Customer, PoolState

    return Customer.objects.filter(
        _people(scope, "owner"), pool_state=PoolState.HELD, pool__isnull=False
    ).filter(Q(last_touched_at__isnull=True) | Q(last_touched_at__lt=F("assigned_at")))


# The rows' records by column: the queryset and the field naming the rep.
RECORDS = {
    "recovered": (recovered, "former_owner"),
    "reclaimed": (reclaimed, "reclaimed_by"),
    "untouched": (lambda scope, _period: untouched(scope), "owner"),
}


def customer_pool(scope: Scope, period: Period) -> dict:
    from ltc.org.models import User

    counts: dict[int, dict[str, int]] = defaultdict(
        lambda: {"recovered": 0, "reclaimed": 0, "untouched": 0}
    )
    for column, (records, field) in RECORDS.items():
        for pk, n in records(scope, period).order_by().values_list(field).annotate(n=Count("id")):
            counts[pk][column] = n
    names = {u.pk: str(u) for u in User.objects.filter(pk__in=list(counts))}
    reps = [{"key": pk, "name": names.get(pk, _("Unknown")), **c} for pk, c in counts.items()]
    reps.sort(key=lambda r: (-r["recovered"], -r["untouched"], str(r["name"])))
    return {
        "reps": reps,
        "recovered": sum(r["recovered"] for r in reps),
        "reclaimed": sum(r["reclaimed"] for r in reps),
        "untouched": sum(r["untouched"] for r in reps),
    }
