from django.urls import path

from . import plan_views

app_name = "activity"

urlpatterns = [
    path("plan/", plan_views.plan, name="plan"),
    path("<int:pk>/complete/", plan_views.complete, name="complete"),
    path("<int:pk>/cancel/", plan_views.cancel, name="cancel"),
    path("calendar/", plan_views.week_calendar, name="calendar"),
    path("feed/new/", plan_views.feed_issue, name="feed_issue"),
    path("feed/revoke/", plan_views.feed_revoke, name="feed_revoke"),
    path("feed/<str:token>.ics", plan_views.feed, name="feed"),
]
