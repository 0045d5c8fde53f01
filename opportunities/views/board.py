"""The board: one column per stage of a process, its cards built as escaped HTML in one pass."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Count, F, OuterRef, Subquery, Window
from django.db.models.functions import RowNumber
from django.shortcuts import render
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ltc.customers.models import Customer

from ..models import Grade, Opportunity, Process, Stage
from ..querysets import is_past_cadence
from ._common import _int_param, _owner_choices, _scope, _team_choices


def default_process() -> Process | None:
    return (
        Process.objects.filter(for_partner_deals=False).order_by("-is_default", "id").first()
        or Process.objects.order_by("-is_default", "id").first()
    )


BOARD_CARDS_PER_STAGE = 50
# What a card shows (``_cards_html``): the rows are read with these columns only.
BOARD_CARD_FIELDS = (
    "name",
    "amount",
    "currency",
    "grade",
    "stage_id",
    "stage_entered_at",
    "last_visit_at",
    "created_at",
    "owner_id",
    "owner__username",
    "owner__first_name",
    "owner__last_name",
)

# One card of the board, as templates/opportunities/board.html used to render it per card: the
# page holds up to 50 cards per stage, and the template engine's per-card work (three URL
# reversals, a plural translation, the "Move to…" options of every later stage) was most of
# its time. Every value is escaped here as autoescape would; the translated texts are the
# template's own msgids.
_CARD = (
    '\n      <li class="board-card" draggable="true" data-move-url="{move}" '
    'data-stage-order="{order}">\n'
    '        <a href="{detail}"><strong>{name}</strong></a>\n'
    '        <div class="muted">{customer}</div>\n'
    '        <div>{amount} {currency} · <span class="grade grade-{grade}" title="{grade_label}">'
    "{grade}</span></div>\n"
    '        <div class="muted">{owner} · {days}</div>\n'
    "        {warning}\n"
    "        {move_form}\n"
    "      </li>\n"
    "    "
)
_MOVE_FORM = (
    '\n        <form method="get" action="{move}" hx-get="{move}" hx-target="#move-body" '
    'class="move-form">\n'
    '          <input type="hidden" name="next" value="{next}">\n'
    '          <label class="sr-only" for="move-{pk}">{move_to}</label>\n'
    '          <select id="move-{pk}" name="to_stage">{options}</select>\n'
    '          <button type="submit" class="secondary">{move_to}</button>\n'
    "        </form>\n"
    "        "
)


def _url_maker(name: str):
    """``reverse(name, args=[pk])`` for many pks: one reversal, then the pk put in its place."""
    marker = 987654321
    head, tail = reverse(name, args=[marker]).split(str(marker))
    return lambda pk: f"{head}{pk}{tail}"


def _cards_html(column: dict, next_url: str) -> str:
    """The column's cards, built with ``format_html``: every value is escaped by construction
    (the texts computed once per column or per owner are escaped when they go in, once)."""
    detail_url = _url_maker("opportunities:detail")
    move_url = _url_maker("opportunities:move")
    later = column["later"]
    options = format_html_join(
        "", '<option value="{}">{} {}</option>', ((s.code, s.order, s.name) for s in later)
    )
    move_to = _("Move to…")
    warning = format_html(
        '<div class="cadence-warning" role="note">⚠ {}</div>',
        _("Visit overdue for this stage's cadence"),
    )
    grades = dict(Grade.choices)
    now = timezone.now()
    days_text: dict[int, str] = {}
    owners: dict[int, str] = {}
    out = []
    for card in column["cards"]:
        days = card.days_in_stage
        if days not in days_text:
            days_text[days] = ngettext("%(days)s day in stage", "%(days)s days in stage", days) % {
                "days": formats.localize(days)
            }
        if card.owner_id not in owners:
            owners[card.owner_id] = str(card.owner)
        move = move_url(card.pk)
        overdue = is_past_cadence(
            last_visit_at=card.last_visit_at,
            created_at=card.created_at,
            cadence_days=column["stage"].cadence_days,
            now=now,
        )
        move_form = (
            format_html(
                _MOVE_FORM, move=move, next=next_url, pk=card.pk, move_to=move_to, options=options
            )
            if later
            else ""
        )
        out.append(
            format_html(
                _CARD,
                move=move,
                order=column["stage"].order,
                detail=detail_url(card.pk),
                name=card.name,
                customer=card.customer_name,
                amount=floatformat(card.amount, "2g"),
                currency=card.currency,
                grade=card.grade,
                grade_label=grades.get(card.grade, card.grade),
                owner=owners[card.owner_id],
                days=days_text[days],
                warning=warning if overdue else "",
                move_form=move_form,
            )
        )
    return format_html_join("", "{}", ((card,) for card in out))


def _columns(cards, stages: list, *, now) -> dict:
    """One column per stage with its count and its longest-waiting cards: three queries (the
    counts, the ranked ids, the cards)."""
    columns = {
        stage.pk: {"stage": stage, "cards": [], "later": [], "count": 0, "hidden": 0}
        for stage in stages
    }
    for index, stage in enumerate(stages):
        columns[stage.pk]["later"] = stages[index + 1 :]
    # A team's board at scale holds thousands of deals: each column shows the longest-waiting
    # BOARD_CARDS_PER_STAGE cards and counts the rest (one aggregate query).
    for stage_id, count in cards.order_by().values_list("stage_id").annotate(n=Count("id")):
        if stage_id in columns:
            columns[stage_id]["count"] = count
    first = Window(
        RowNumber(),
        partition_by=[F("stage_id")],
        order_by=[F("stage_entered_at").asc(), F("id").asc()],
    )
    # The ranking reads the opportunities alone, then only the cards shown are read with their
    # customer and owner: joining every open deal of a team first cost more than the ranking,
    # and as a subquery the planner cannot see the ranking keeps 50 rows per stage (it scans
    # every opportunity), hence the ids in a list.
    shown = list(
        cards.annotate(rank=first)
        .filter(rank__lte=BOARD_CARDS_PER_STAGE)
        .values_list("pk", flat=True)
    )
    for card in (
        Opportunity.objects.filter(pk__in=shown)
        .select_related("owner")
        .only(*BOARD_CARD_FIELDS)
        # The customer's name by its primary key, row by row: as a join the planner hashes
        # every customer for the 350 cards.
        .annotate(
            customer_name=Subquery(
                Customer.objects.filter(pk=OuterRef("customer_id")).order_by().values("name")[:1]
            )
        )
        .order_by("stage_entered_at", "id")
    ):
        column = columns.get(card.stage_id)
        if column is not None:
            card.days_in_stage = max(0, (now - card.stage_entered_at).days)
            column["cards"].append(card)
    return columns


@login_required
def board(request):
    """The pipeline of the default process: one column per stage, one card per open deal. Four
    queries for the board itself (stages, counts, the cards' ids, the cards) whatever the number
    of deals."""
    user = request.user
    process = default_process()
    stages = list(Stage.objects.filter(process=process).order_by("order")) if process else []
    owner_id, team_id = _int_param(request, "owner"), _int_param(request, "team")
    cards = _scope(request).open().filter(process=process)
    if owner_id:
        cards = cards.filter(owner_id=owner_id)
    if team_id:
        cards = cards.filter(team_id=team_id)
    columns = _columns(cards, stages, now=timezone.now())
    next_url = request.get_full_path()
    for column in columns.values():
        column["hidden"] = column["count"] - len(column["cards"])
        column["cards_html"] = _cards_html(column, next_url)
    return render(
        request,
        "opportunities/board.html",
        {
            "title": _("Pipeline board"),
            "process": process,
            "columns": list(columns.values()),
            "owners": _owner_choices(user),
            "teams": _team_choices(user),
            "owner_id": owner_id,
            "team_id": team_id,
        },
    )
