from django import template

from ..plan_views import plans_context

register = template.Library()


@register.inclusion_tag("activity/_plans.html", takes_context=True)
def planned_activities(context, record):
    """The planned activities of a record and the form to plan one, for its detail page."""
    return plans_context(context["request"], record)


@register.filter
def described(timeline):
    """The timeline with each transition given its ``sentence`` (``ltc.activity.sentences``)."""
    from ..sentences import describe

    return describe(timeline)
