from django.urls import path
from rest_framework.routers import DefaultRouter

from .views import LeadConvertView, OpportunityViewSet, ReviewViewSet, StageListView

router = DefaultRouter(trailing_slash=True)
router.register("opportunities", OpportunityViewSet, basename="opportunity")
router.register("reviews", ReviewViewSet, basename="review")

urlpatterns = [
    # Before the leads router in ltc/api_urls.py: the leads app never imports opportunities.
    path("leads/<int:pk>/convert/", LeadConvertView.as_view(), name="lead-convert"),
    path("stages/", StageListView.as_view(), name="stage-list"),
    *router.urls,
]
