from rest_framework.routers import DefaultRouter

from .views import AuditEntryViewSet

router = DefaultRouter(trailing_slash=True)
router.register("audit-entries", AuditEntryViewSet, basename="audit-entry")

urlpatterns = router.urls
