"""What was sold, by product family, and how far under list the reps quote.

- Won by family: the amount of the contracts signed in the period, spread over the product
  families of the quote each was drafted from, in proportion to the quoted line amounts (the won
  value of a deal is its contract's amount); a contract without a catalogue quote counts as
  "not from the catalogue".
- Revenue by family: the revenue ledger of the period, by the product of its delivery unit.
- Average discount off list: of the quotes sent in the period, their discount total over their
  list total (a weighted average), by the deal's rep and team."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.utils.translation import gettext_lazy as _

from .figures import ZERO, _money, _on, default_currency
from .periods import Period
from .scope import Scope

HUNDRED = Decimal("100")
NO_FAMILY = ""  # the key of what is not from the catalogue


def signed_contracts(scope: Scope, period: Period, currency: str) -> QuerySet:
    from contracts.models import ACTIVE_STATES, Contract, ContractState

    return Contract.objects.filter(
        _on(period, "signed_on"),
        opportunity__in=scope.opportunities().values("pk"),
        state__in=[*ACTIVE_STATES, ContractState.CLOSED],
        currency=currency,
    )


def _won_by_family(contracts: QuerySet) -> dict:
    from contracts.models import QuoteLine

    rows = list(contracts.values("pk", "amount", "quote_id", "quote__total"))
    lines = defaultdict(dict)
    for line in (
        QuoteLine.objects.filter(quote_id__in=[r["quote_id"] for r in rows if r["quote_id"]])
        .order_by()
        .values("quote_id", "product__family")
        .annotate(amount=Sum("amount"))
    ):
        lines[line["quote_id"]][line["product__family"] or NO_FAMILY] = line["amount"]
    won: dict = defaultdict(lambda: ZERO)
    for row in rows:
        shares, total = lines.get(row["quote_id"], {}), row["quote__total"] or ZERO
        if not shares or total <= 0:
            won[NO_FAMILY] += row["amount"]
            continue
        spread = {f: _money(row["amount"] * amount / total) for f, amount in shares.items()}
        # Rounded shares add up to the contract amount: the largest takes the cent left over.
        largest = max(spread, key=lambda f: spread[f])
        spread[largest] += row["amount"] - sum(spread.values())
        for family, amount in spread.items():
            won[family] += amount
    return won


def _revenue_by_family(scope: Scope, period: Period, currency: str) -> dict:
    return {
        row["unit__product__family"] or NO_FAMILY: row["amount"]
        for row in scope.revenue()
        .filter(_on(period, "period"), currency=currency)
        .order_by()
        .values("unit__product__family")
        .annotate(amount=Sum("amount"))
    }


def sent_quotes(scope: Scope, period: Period, currency: str) -> QuerySet:
    from contracts.models import Quote

    return Quote.objects.filter(
        sent_at__gte=period.start_at,
        sent_at__lt=period.end_at,
        opportunity__in=scope.opportunities().values("pk"),
        currency=currency,
    )


def _discounts(quotes: QuerySet, group: str, names: dict) -> list[dict]:
    rows = []
    for row in (
        quotes.order_by()
        .values(group)
        .annotate(quotes=Count("id"), list_total=Sum("subtotal"), discount=Sum("discount_total"))
    ):
        key = row[group]
        rows.append(
            {
                "key": key,
                "name": names.get(key) or _("Without a team"),
                "quotes": row["quotes"],
                "list_total": _money(row["list_total"]),
                "discount": _money(row["discount"]),
                "average_discount": (
                    (row["discount"] * HUNDRED / row["list_total"]).quantize(Decimal("0.01"))
                    if row["list_total"]
                    else None
                ),
            }
        )
    return sorted(rows, key=lambda r: (-(r["average_discount"] or 0), str(r["name"])))


def products(scope: Scope, period: Period, *, currency: str | None = None) -> dict:
    from ltc.org.models import Team, User
    from products.models import ProductFamily

    currency = currency or default_currency()
    won = _won_by_family(signed_contracts(scope, period, currency))
    revenue = _revenue_by_family(scope, period, currency)
    keys = set(won) | set(revenue)
    names = {f.pk: f.name for f in ProductFamily.objects.filter(pk__in=keys - {NO_FAMILY})}
    families = [
        {
            "family": key,
            "name": names.get(key) or _("Not from the catalogue"),
            "won": _money(won.get(key)),
            "revenue": _money(revenue.get(key)),
        }
        for key in keys
    ]
    families.sort(key=lambda r: (-r["won"], -r["revenue"], str(r["name"])))
    quotes = sent_quotes(scope, period, currency)
    owners = set(quotes.values_list("opportunity__owner", flat=True))
    people = {u.pk: str(u) for u in User.objects.filter(pk__in=owners)}
    teams = {t.pk: t.name for t in Team.objects.all()}
    return {
        "currency": currency,
        "families": families,
        "won_total": _money(sum(won.values(), ZERO)),
        "revenue_total": _money(sum(revenue.values(), ZERO)),
        "discount_by_owner": _discounts(quotes, "opportunity__owner", people),
        "discount_by_team": _discounts(quotes, "opportunity__team", teams),
    }


def family_deals(scope: Scope, period: Period, key: str, currency: str) -> QuerySet:
    """The deals behind a family's bar: signed in the period with a quote line of the family,
    or with revenue of a unit of the family in the period."""
    family = (
        Q(quote__lines__product__family_id=int(key))
        if key
        else Q(quote__isnull=True) | Q(quote__lines__product__isnull=True)
    )
    contracts = signed_contracts(scope, period, currency).filter(family).values("opportunity_id")
    unit = Q(unit__product__family_id=int(key)) if key else Q(unit__product__isnull=True)
    revenue = (
        scope.revenue()
        .filter(_on(period, "period"), currency=currency)
        .filter(unit)
        .values("contract__opportunity_id")
    )
    return scope.opportunities().filter(Q(pk__in=contracts) | Q(pk__in=revenue))


def discount_deals(scope: Scope, period: Period, group: str, key: str, currency: str) -> QuerySet:
    quotes = sent_quotes(scope, period, currency)
    field = {"owner": "opportunity__owner", "team": "opportunity__team"}[group]
    quotes = quotes.filter(**{f"{field}__isnull": True} if key in ("", "None") else {field: key})
    return scope.opportunities().filter(pk__in=quotes.values("opportunity_id"))


def _family(key: str, field: str) -> Q:
    return Q(**{f"{field}_id": int(key)}) if key else Q(**{f"{field}__isnull": True})


def family_contracts(scope: Scope, period: Period, key: str, currency: str) -> QuerySet:
    """The contracts whose amount a family's won figure spreads: signed in the period, with a
    quote line of the family (the family "not from the catalogue": without a catalogue quote,
    or with a line of no product)."""
    spread = Q(quote__total__gt=0)
    if key:
        lines = spread & Q(quote__lines__product__family_id=int(key))
    else:
        lines = ~spread | Q(quote__isnull=True) | Q(quote__lines__product__family__isnull=True)
    contracts = signed_contracts(scope, period, currency).filter(lines).values("pk")
    return signed_contracts(scope, period, currency).filter(pk__in=contracts)


def family_won(contracts: QuerySet, key: str) -> Decimal:
    """What the contracts add to the family's won figure (their shares, as ``products``)."""
    return _money(_won_by_family(contracts).get(int(key) if key else NO_FAMILY))


def family_revenue(scope: Scope, period: Period, key: str, currency: str) -> QuerySet:
    """The revenue entries behind a family's revenue figure."""
    revenue = scope.revenue().filter(_on(period, "period"), currency=currency)
    return revenue.filter(_family(key, "unit__product__family"))


def discount_quotes(scope: Scope, period: Period, group: str, key: str, currency: str):
    """The quotes sent in the period by the deals of one rep or team (``key``; empty: none)."""
    field = {"owner": "opportunity__owner", "team": "opportunity__team"}[group]
    quotes = sent_quotes(scope, period, currency)
    return quotes.filter(**{f"{field}__isnull": True} if key in ("", "None") else {field: key})
