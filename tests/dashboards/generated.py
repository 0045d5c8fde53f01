"""Generated data for the dashboard tests that check every number against its records: deals,
leads, reviews and campaigns in every state and two currencies, targets, and a contract through
the real delivery and billing services (invoices paid in full, partly, not yet)."""

import random
from datetime import date, timedelta
from decimal import Decimal

import time_machine

from dashboards import cells, exports
from dashboards.models import SalesTarget
from dashboards.params import figure_request
from dashboards.tables import FIGURES, TABLES_BY_NAME
from leads.models import Campaign, Lead

from ..billing.steps import NOW, accepted_order, issued, pay
from ..conftest import Org
from ..contracts.steps import ON_ACCEPTANCE, signed, signing_deal
from .builders import deal, lead, review

PERIOD = {"period": "2030"}


def numbers_of(table, result):
    """``(row, column, value)`` of every number of the table that has records behind it."""
    drill_field = table.drill[1] if table.drill else None
    for row, values in zip(table.rows(result), exports.table_rows(table, result), strict=True):
        for column, value in zip(table.columns, values, strict=True):
            cell = cells.CELLS.get(table.name, {}).get(column.key)
            if cell is not None:
                params = cells.cell_link_params(table.name, column.key, row, drill_field)
                yield column, cell, params, value


def check_table(figure, table_name) -> int:
    """Checks every number of the table against its records; how many numbers it checked."""
    table = TABLES_BY_NAME[table_name]
    result = FIGURES[table.figure](figure)
    checked = 0
    for column, cell, params, value in numbers_of(table, result):
        if cell.measure == "entered":  # typed by a person: no records page, the page it is set
            assert params is None and cell.kind in (cells.TARGETS, cells.CAMPAIGNS_ADMIN)
            checked += 1
            continue
        _model, records = cells.records(figure, params["figure"], params["key"], cell.part)
        where = f"{table_name}.{column.key} {params}"
        if cell.measure == "count":
            assert records.count() == int(value), where
        elif cell.measure == "base":
            assert not value or records.exists(), where
        elif cell.measure == "context":  # a gap: the month's deals, those of its forecast
            assert params["figure"] == cells.CELLS[table_name]["forecast"].kind, where
        else:
            added = cells.total(records, cell.measure, figure.currency, params["key"])
            assert added == Decimal(value), where
        checked += 1
    return checked


def check_pages(client, figure, table_name, query: dict) -> int:
    """Through the records page: each number's link states the number as its count or total
    ("Records: N · Total: X"); how many pages it read."""
    table = TABLES_BY_NAME[table_name]
    read = 0
    for column, cell, params, value in numbers_of(table, FIGURES[table.figure](figure)):
        if params is None or cell.measure in ("base", "context"):
            continue
        page = client.get("/dashboards/records/", {**query, **params}).content.decode()
        where = f"{table_name}.{column.key} {params}"
        if cell.measure == "count":
            assert f'data-count="{int(value)}"' in page, where
        else:
            assert f'data-total="{Decimal(value)}"' in page, where
        read += 1
    return read


def build(module_db) -> Org:
    """The organisation and its generated records, once for a module (``module_db``), at
    ``NOW`` (2030-05-06) from a fixed seed."""
    with module_db.unblock(), time_machine.travel(NOW, tick=False) as traveller:
        org = Org()
        _generate(org, random.Random(22))
        _cash(org, traveller)
        return org


def figure_of(org, viewer: str):
    """The figure request of the generated year as ``viewer`` (a user of ``org``) asks it."""
    return figure_request(getattr(org, viewer), PERIOD)


def _day(rng, months=range(1, 12)) -> str:
    return f"2030-{rng.choice(months):02d}-{rng.randint(1, 27):02d}"


def _generate(org, rng):
    reps = [org.rep1, org.rep2, org.rep3]
    sources = ["website", "trade_show", "referral", "campaign"]
    fairs = [
        Campaign.objects.create(name=name, source=source, budget=Decimal("50000"), currency="CNY")
        for name, source in (("Spring fair", "trade_show"), ("Newsletter", "campaign"))
    ]
    for i in range(24):
        owner = rng.choice(reps)
        state = rng.choice(["open", "open", "won", "lost", "abandoned"])
        start = rng.randint(1, 9)
        history = [("verify", f"2030-{start:02d}-02", f"2030-{start:02d}-12")]
        if rng.random() < 0.6:
            history.append(("approval", f"2030-{start:02d}-12", ""))
        else:
            history[0] = (*history[0][:2], "")
        source_lead = None
        if rng.random() < 0.6:
            source_lead = lead(
                created=f"2030-{start:02d}-01",
                owner=owner,
                state="converted",
                source=rng.choice(sources),
            )
            if rng.random() < 0.6:
                Lead.objects.filter(pk=source_lead.pk).update(campaign=rng.choice(fairs))
        opp = deal(
            owner,
            history=history,
            amount=str(rng.randint(1, 90) * 1000 + i),
            state=state,
            grade=rng.choice("ABCD"),
            probability=rng.choice([10, 30, 60]),
            expected=_day(rng),
            closed="" if state == "open" else f"2030-{start + 1:02d}-05",
            lead=source_lead,
            currency=rng.choice(["CNY", "CNY", "CNY", "USD"]),
            loss_reason="price" if state in ("lost", "abandoned") else "",
            loss_competitor=f"Rival {i % 3}" if state == "lost" else "",
        )
        if rng.random() < 0.5:
            review(opp, requested=f"2030-{start:02d}-03", hours=rng.randint(2, 200))
    for month in range(1, 13):  # the company's target: the root team's
        SalesTarget.objects.create(
            team=org.region, month=date(2030, month, 1), amount=Decimal("90000"), currency="CNY"
        )
    for _ in range(20):
        owner = rng.choice([*reps, None])
        disqualified = owner is not None and rng.random() < 0.3
        lead(
            created=_day(rng, range(1, 5)),
            owner=owner,
            state="disqualified" if disqualified else None,
            reason="no_budget" if disqualified else "",
            follow_ups=rng.choice([0, 0, 1, 2]),
            recovered=[(rng.choice(reps), _day(rng, range(5, 6)))] * rng.choice([0, 0, 1, 2]),
            source=rng.choice(sources),
            pool=org.default_pool,
        )


def _cash(org, traveller):
    """A contract signed now, its order accepted, three invoices: one paid in full ten days
    later, one partly, one open."""
    contract = signed(
        signing_deal(org.rep1, solution=org.solution, delivery=org.delivery),
        org,
        payment_terms=ON_ACCEPTANCE,
    )
    placed = accepted_order(contract, org, amounts=("1000", "2000", "4000"))
    first = issued(org.finance, "1000", order=placed)
    second = issued(org.finance, "2000", order=placed)
    issued(org.finance, "4000", order=placed)
    traveller.shift(timedelta(days=10))
    pay(org.finance, first, "1000")
    pay(org.finance, second, "500")
