from rest_framework.routers import DefaultRouter

from .views import CreditNoteViewSet, InvoiceableViewSet, InvoiceViewSet, PaymentViewSet

router = DefaultRouter(trailing_slash=True)
router.register("invoices", InvoiceViewSet, basename="invoice")
router.register("credit-notes", CreditNoteViewSet, basename="credit-note")
router.register("payments", PaymentViewSet, basename="payment")
router.register("billing/invoiceable", InvoiceableViewSet, basename="billing-invoiceable")
urlpatterns = router.urls
