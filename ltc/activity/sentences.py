"""Timelines read as sentences, not codes: the transition log's ``claim new → assigned`` becomes
"Alice claimed the lead (New → Assigned)" / "张三认领了线索（新建 → 已分配）".

``describe(items)`` sets ``sentence`` on every ``TransitionLog`` of a timeline (a list of logs,
or of ``(kind, at, log)`` tuples as the lead and deal pages build them). The verb comes from the
transition's name, the record from its model's verbose name, the states from the choices of
the model's state field. Where a log's states are not the state field's (a deal's stages, the
task a deal's team completed), the app that writes them registers a labeller (``register``) in
its ``AppConfig.ready()``; each labeller is asked once per timeline, for every code at once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable

from django.contrib.contenttypes.models import ContentType
from django.utils.encoding import force_str
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from django_fsm import FSMField

from .models import TransitionLog

# The verb of each transition name the services log, in the past tense.
ACTIONS = {
    "abandon": pgettext_lazy("timeline", "abandoned"),
    "accept": pgettext_lazy("timeline", "accepted"),
    "advance": pgettext_lazy("timeline", "moved forward"),
    "apply": pgettext_lazy("timeline", "applied"),
    "approve": pgettext_lazy("timeline", "approved"),
    "assign": pgettext_lazy("timeline", "assigned"),
    "back": pgettext_lazy("timeline", "moved back"),
    "back_to_open": pgettext_lazy("timeline", "reopened"),
    "cancel": pgettext_lazy("timeline", "cancelled"),
    "change": pgettext_lazy("timeline", "changed"),
    "claim": pgettext_lazy("timeline", "claimed"),
    "close": pgettext_lazy("timeline", "closed"),
    "complete": pgettext_lazy("timeline", "completed"),
    "complete_delivery": pgettext_lazy("timeline", "completed the delivery of"),
    "convert": pgettext_lazy("timeline", "converted"),
    "correct": pgettext_lazy("timeline", "corrected"),
    "create": pgettext_lazy("timeline", "created"),
    "decline": pgettext_lazy("timeline", "declined"),
    "disqualify": pgettext_lazy("timeline", "disqualified"),
    "expire": pgettext_lazy("timeline", "expired"),
    "fail": pgettext_lazy("timeline", "failed"),
    "finish": pgettext_lazy("timeline", "finished"),
    "first_approval": pgettext_lazy("timeline", "gave the first approval to"),
    "flag_conflict": pgettext_lazy("timeline", "flagged a conflict on"),
    "issue": pgettext_lazy("timeline", "issued"),
    "lose": pgettext_lazy("timeline", "lost"),
    "mark_failed": pgettext_lazy("timeline", "marked as failed"),
    "mark_invoiced": pgettext_lazy("timeline", "marked as invoiced"),
    "mark_reviewed": pgettext_lazy("timeline", "marked as reviewed"),
    "mark_sent": pgettext_lazy("timeline", "marked as sent"),
    "merge": pgettext_lazy("timeline", "merged"),
    "open": pgettext_lazy("timeline", "opened"),
    "paid": pgettext_lazy("timeline", "recorded the full payment of"),
    "partially_paid": pgettext_lazy("timeline", "recorded a part payment of"),
    "pay_in_full": pgettext_lazy("timeline", "recorded the full payment of"),
    "pay_partly": pgettext_lazy("timeline", "recorded a part payment of"),
    "raise_risk": pgettext_lazy("timeline", "raised a risk on"),
    "reassign": pgettext_lazy("timeline", "reassigned"),
    "recover": pgettext_lazy("timeline", "recovered"),
    "regrade": pgettext_lazy("timeline", "regraded"),
    "reject": pgettext_lazy("timeline", "rejected"),
    "release": pgettext_lazy("timeline", "released"),
    "renew": pgettext_lazy("timeline", "renewed"),
    "reopen": pgettext_lazy("timeline", "reopened"),
    "request": pgettext_lazy("timeline", "requested"),
    "requeue": pgettext_lazy("timeline", "queued again"),
    "resolve": pgettext_lazy("timeline", "resolved"),
    "retry": pgettext_lazy("timeline", "retried"),
    "return_bond": pgettext_lazy("timeline", "recorded the bond's return for"),
    "review": pgettext_lazy("timeline", "reviewed"),
    "send": pgettext_lazy("timeline", "sent"),
    "send_approved": pgettext_lazy("timeline", "sent"),
    "send_back": pgettext_lazy("timeline", "sent back"),
    "ship": pgettext_lazy("timeline", "shipped"),
    "sign": pgettext_lazy("timeline", "signed"),
    "start": pgettext_lazy("timeline", "started"),
    "start_delivery": pgettext_lazy("timeline", "started the delivery of"),
    "submit": pgettext_lazy("timeline", "submitted"),
    "supersede": pgettext_lazy("timeline", "superseded"),
    "unmark_invoiced": pgettext_lazy("timeline", "took back the invoicing of"),
    "unpay": pgettext_lazy("timeline", "took back the payment of"),
    "validate": pgettext_lazy("timeline", "validated"),
    "void": pgettext_lazy("timeline", "voided"),
    "win": pgettext_lazy("timeline", "won"),
    "won_value": pgettext_lazy("timeline", "recorded the won value of"),
}

# Where a model's transition is another deed than the same name elsewhere: a tender is won as a
# bid (中标), a deal as a sale (赢单).
MODEL_ACTIONS = {
    "tenders.Tender": {
        "win": pgettext_lazy("timeline", "won the bid of"),
        "lose": pgettext_lazy("timeline", "lost the bid of"),
    },
}

# A labeller gets the logs of one model and answers {(transition or "", code): label} for the
# codes it knows; "" applies to every transition of the model.
Labeller = Callable[[list[TransitionLog]], dict[tuple[str, str], str]]
_labellers: dict[str, Labeller] = {}
# Transitions whose target is not a state but a thing done (a deal's task): "Alice completed
# “Confirm the need” on the deal".
_DEEDS = {"task"}


def register(model_label: str, labeller: Labeller) -> None:
    """Labels for codes of ``model_label``'s logs that are not its state field's choices."""
    _labellers[model_label] = labeller


def _state_labels(model) -> dict[str, str]:
    for field in model._meta.concrete_fields:
        if isinstance(field, FSMField) and field.choices:
            return {str(code): force_str(label) for code, label in field.flatchoices}
    return {}


def _logs(items: Iterable) -> list[TransitionLog]:
    logs = []
    for item in items:
        if isinstance(item, tuple):
            item = item[-1]
        if isinstance(item, TransitionLog):
            logs.append(item)
    return logs


def describe(items: Iterable) -> list:
    """The same items, each ``TransitionLog`` among them given its ``sentence``."""
    items = list(items)
    by_type: dict[int, list[TransitionLog]] = defaultdict(list)
    for log in _logs(items):
        by_type[log.content_type_id].append(log)
    for content_type_id, logs in by_type.items():
        model = ContentType.objects.get_for_id(content_type_id).model_class()
        states = _state_labels(model) if model is not None else {}
        labeller = _labellers.get(model._meta.label) if model is not None else None
        known = labeller(logs) if labeller is not None else {}
        record = force_str(model._meta.verbose_name) if model is not None else ""
        for log in logs:
            log.sentence = sentence(
                log,
                record=record,
                states=states,
                known=known,
                model_label=model._meta.label if model is not None else "",
            )
    return items


def _label(log: TransitionLog, code: str, states: dict, known: dict) -> str:
    return known.get((log.transition, code)) or known.get(("", code)) or states.get(code, code)


def sentence(
    log: TransitionLog, *, record: str, states: dict, known: dict, model_label: str = ""
) -> str:
    actor = str(log.actor) if log.actor_id else _("The system")
    name = getattr(log, "subject_name", "") or getattr(log, "unit_name", "")
    if name:
        record = _("%(record)s “%(name)s”") % {"record": record, "name": name}
    if log.transition in _DEEDS:
        return _("%(actor)s completed “%(deed)s” on the %(record)s") % {
            "actor": actor,
            "deed": _label(log, log.target, states, known),
            "record": record,
        }
    action = MODEL_ACTIONS.get(model_label, {}).get(log.transition) or ACTIONS.get(log.transition)
    text = (
        _("%(actor)s %(action)s the %(record)s")
        % {"actor": actor, "action": action, "record": record}
        if action is not None
        else _("%(actor)s changed the %(record)s") % {"actor": actor, "record": record}
    )
    target = _label(log, log.target, states, known)
    if not log.source:
        return _("%(sentence)s (%(target)s)") % {"sentence": text, "target": target}
    if log.source == log.target:
        return text
    return _("%(sentence)s (%(source)s → %(target)s)") % {
        "sentence": text,
        "source": _label(log, log.source, states, known),
        "target": target,
    }
