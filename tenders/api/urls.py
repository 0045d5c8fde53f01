from rest_framework.routers import DefaultRouter

from .views import TenderViewSet

router = DefaultRouter(trailing_slash=True)
router.register("tenders", TenderViewSet, basename="tender")
urlpatterns = router.urls
