from rest_framework.routers import DefaultRouter

from .views import CampaignViewSet, LeadImportViewSet, LeadViewSet

router = DefaultRouter(trailing_slash=True)
# Before "leads": "leads/imports/" must not be read as the lead with the id "imports".
router.register("leads/imports", LeadImportViewSet, basename="lead-import")
router.register("leads", LeadViewSet, basename="lead")
router.register("campaigns", CampaignViewSet, basename="campaign")
urlpatterns = router.urls
