from rest_framework.routers import DefaultRouter

from .views import ChangeRequestViewSet, ContractViewSet, QuoteViewSet

router = DefaultRouter(trailing_slash=True)
router.register("quotes", QuoteViewSet, basename="quote")
router.register("contracts", ContractViewSet, basename="contract")
router.register("change-requests", ChangeRequestViewSet, basename="change-request")
urlpatterns = router.urls
