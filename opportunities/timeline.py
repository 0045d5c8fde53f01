"""What a deal's timeline says in words: its stages and tasks by their names, not their codes.

Registered with ``ltc.activity.sentences`` (see ``apps.py``): the transition log keeps a deal's
stage codes (``verify → approval``) and the code of each task its team completed.
"""

from __future__ import annotations

from .models import OpportunityTask, Stage

DEED = "task"


def labels(logs: list) -> dict[tuple[str, str], str]:
    """Two queries for a whole timeline: the stages named in it and its completed tasks."""
    stage_codes = {
        code for log in logs if log.transition != DEED for code in (log.source, log.target)
    }
    task_codes = {log.target for log in logs if log.transition == DEED}
    found: dict[tuple[str, str], str] = {}
    if stage_codes - {""}:
        for stage in Stage.objects.filter(code__in=stage_codes - {""}).order_by(
            "-process__is_default"
        ):
            found[("", stage.code)] = stage.name
    if task_codes:
        tasks = OpportunityTask.objects.filter(
            opportunity_id__in={log.object_id for log in logs}, code__in=task_codes
        )
        for task in tasks:
            found[(DEED, task.code)] = task.display_label
    return found
