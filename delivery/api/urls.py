from rest_framework.routers import DefaultRouter

from .views import DeliveryUnitViewSet, OrderViewSet, RevenueViewSet

router = DefaultRouter(trailing_slash=True)
router.register("orders", OrderViewSet, basename="order")
router.register("delivery-units", DeliveryUnitViewSet, basename="delivery-unit")
router.register("revenue", RevenueViewSet, basename="revenue")
urlpatterns = router.urls
