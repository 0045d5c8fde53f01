from django.utils.translation import gettext_lazy as _

from ltc.activity.notices import register

register(
    "opportunity_cadence",
    _(
        "Opportunity “%(name)s” needs a visit: none for %(days)s days, stage %(stage)s expects one every %(cadence)s days."
    ),
)
register(
    "opportunity_cadence_team",
    _(
        "%(owner)s's opportunity “%(name)s” needs a visit: none for %(days)s days (every %(cadence)s days expected)."
    ),
    manager_alert=True,
)
register(
    "review_requested",
    _("%(by)s asks for your decision: %(review)s of “%(name)s”."),
    manager_alert=True,
)
register(
    "review_assessment_requested",
    _("%(by)s asks for your assessment: %(review)s of “%(name)s”."),
)
register("review_decided", _("%(review)s of “%(name)s” was %(decision)s by %(by)s."))
register("task_assigned", _("New task on “%(name)s”: %(task)s."))
register("opportunity_assigned", _("You are %(role)s on opportunity “%(name)s”."))
register(
    "opportunity_sent_back",
    _(
        "“%(name)s” went back to stage %(stage)s: as a grade %(grade)s deal it must pass the gates it skipped (%(skipped)s)."
    ),
)
