from rest_framework.routers import DefaultRouter

from .views import CampaignViewSet, LeadViewSet

router = DefaultRouter(trailing_slash=True)
router.register("leads", LeadViewSet, basename="lead")
router.register("campaigns", CampaignViewSet, basename="campaign")
urlpatterns = router.urls
