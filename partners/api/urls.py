from rest_framework.routers import DefaultRouter

from .views import RegistrationViewSet

router = DefaultRouter(trailing_slash=True)
router.register("partner-registrations", RegistrationViewSet, basename="partner-registration")
urlpatterns = router.urls
