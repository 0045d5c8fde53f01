"""``/api/v1/dashboard/…``: the figures as JSON, read-only. Each view resolves the scope and the
period from the query, calls the figure function of ``figures.py`` and renders its result."""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
)
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from partners.middleware import PartnerAPIScope

from . import (
    campaigns,
    complaint_figures,
    figures,
    partner_figures,
    product_figures,
    tender_figures,
)
from . import serializers as s
from .params import FigureRequest, figure_request

PARAMETERS = [
    OpenApiParameter(
        "period", str, description="YYYY, YYYY-MM or YYYY-Qn; default: the current year"
    ),
    OpenApiParameter("from", str, description="First day, YYYY-MM-DD (instead of period)"),
    OpenApiParameter("to", str, description="Last day, YYYY-MM-DD (instead of period)"),
    OpenApiParameter("team", int, description="A team id: that team and the teams under it"),
    OpenApiParameter("owner", int, description="A user id: that person's figures"),
    OpenApiParameter("currency", str, description="Amounts in this currency (default: CNY)"),
]
ERRORS = {
    400: OpenApiResponse(description="A filter is malformed; the body names the field"),
    404: OpenApiResponse(description="The team or person is outside the caller's scope"),
}


class FigureView(APIView):
    """One figure: ``compute`` calls the definition, ``serializer_class`` renders it."""

    permission_classes = [IsAuthenticated, PartnerAPIScope]
    serializer_class: type = s.DashboardEnvelope

    def compute(self, request: FigureRequest) -> dict:
        raise NotImplementedError

    def get(self, request):
        figure = figure_request(request.user, request.query_params)
        data = s.envelope(self.compute(figure), scope=figure.scope, period=figure.period)
        return Response(self.serializer_class(data).data)


def _schema(serializer, summary: str):
    return extend_schema(
        summary=summary, parameters=PARAMETERS, responses={200: serializer, **ERRORS}
    )


class FunnelView(FigureView):
    serializer_class = s.DashboardFunnelSerializer

    @_schema(s.DashboardFunnelSerializer, "Funnel: the pipeline per stage, conversions, lead → won")
    def get(self, request):
        return super().get(request)

    def compute(self, figure):
        return figures.funnel(figure.scope, figure.period, currency=figure.currency)


class LeakageView(FigureView):
    serializer_class = s.DashboardLeakageSerializer

    @_schema(s.DashboardLeakageSerializer, "Lead leakage of the leads created in the period")
    def get(self, request):
        return super().get(request)

    def compute(self, figure):
        return figures.leakage(figure.scope, figure.period)


class WinRateView(FigureView):
    serializer_class = s.DashboardWinRateSerializer

    @_schema(s.DashboardWinRateSerializer, "Win rate by grade, rep, team and source; loss reasons")
    def get(self, request):
        return super().get(request)

    def compute(self, figure):
        return figures.win_rate(figure.scope, figure.period, currency=figure.currency)


class ForecastView(FigureView):
    serializer_class = s.DashboardForecastSerializer

    @_schema(
        s.DashboardForecastSerializer, "Weighted forecast per month against the target, the gap"
    )
    def get(self, request):
        return super().get(request)

    def compute(self, figure):
        return figures.forecast(figure.scope, figure.period, currency=figure.currency)


class CycleTimesView(FigureView):
    serializer_class = s.DashboardCycleTimesSerializer

    @_schema(s.DashboardCycleTimesSerializer, "Cycle times: median and 90th percentile days")
    def get(self, request):
        return super().get(request)

    def compute(self, figure):
        return figures.cycle_times(figure.scope, figure.period)


class ReceivablesView(FigureView):
    serializer_class = s.DashboardReceivablesSerializer

    @_schema(s.DashboardReceivablesSerializer, "Receivables aging, DSO, invoiced and collected")
    def get(self, request):
        return super().get(request)

    def compute(self, figure):
        return figures.receivables(figure.scope, figure.period, currency=figure.currency)


class RevenueView(FigureView):
    serializer_class = s.DashboardRevenueSerializer

    @_schema(s.DashboardRevenueSerializer, "Revenue recognised per month; delivered, not accepted")
    def get(self, request):
        return super().get(request)

    def compute(self, figure):
        return figures.revenue(figure.scope, figure.period, currency=figure.currency)


class ProductsView(FigureView):
    serializer_class = s.DashboardProductsSerializer

    @_schema(
        s.DashboardProductsSerializer,
        "Won amount and revenue by product family; average discount off list by rep and team",
    )
    def get(self, request):
        return super().get(request)

    def compute(self, figure):
        return product_figures.products(figure.scope, figure.period, currency=figure.currency)


class PartnersView(FigureView):
    serializer_class = s.DashboardPartnersSerializer

    @extend_schema(
        summary="Partner registrations by partner, acceptance rate, partner-sourced pipeline "
        "and wins",
        parameters=PARAMETERS,
        responses={200: s.DashboardPartnersSerializer, **ERRORS},
        examples=[
            OpenApiExample(
                "One partner",
                response_only=True,
                value={
                    "period": {"label": "2027", "from": "2027-01-01", "to": "2027-12-31"},
                    "scope": {"kind": "team", "team": 2, "owner": None, "label": "Team 1"},
                    "currency": "CNY",
                    "partners": [
                        {
                            "partner": 1,
                            "name": "智联安防(合作伙伴)",
                            "registered": 5,
                            "accepted": 2,
                            "rejected": 1,
                            "acceptance_rate": 0.6667,
                            "pipeline_count": 1,
                            "pipeline_amount": "760000.00",
                            "won_count": 0,
                            "won_amount": "0.00",
                        }
                    ],
                    "registered": 5,
                    "pipeline_amount": "760000.00",
                    "won_amount": "0.00",
                },
            )
        ],
    )
    def get(self, request):
        return super().get(request)

    def compute(self, figure):
        return partner_figures.partners(figure.scope, figure.period, currency=figure.currency)


class ComplaintsView(FigureView):
    serializer_class = s.DashboardComplaintsSerializer

    @_schema(
        s.DashboardComplaintsSerializer,
        "Complaints: rate per contract and customer, SLA breaches, hours to resolve",
    )
    def get(self, request):
        return super().get(request)

    def compute(self, figure):
        return complaint_figures.complaints(figure.scope, figure.period)


class TendersView(FigureView):
    serializer_class = s.DashboardTendersSerializer

    @_schema(
        s.DashboardTendersSerializer,
        "Tenders by result, the bid win rate, and the bid bonds not returned yet",
    )
    def get(self, request):
        return super().get(request)

    def compute(self, figure):
        return tender_figures.tenders(figure.scope, figure.period, currency=figure.currency)


class CampaignsView(FigureView):
    serializer_class = s.DashboardCampaignsSerializer

    @_schema(
        s.DashboardCampaignsSerializer,
        "Campaign results: leads, conversion, pipeline and won value per campaign and source",
    )
    def get(self, request):
        return super().get(request)

    def compute(self, figure):
        return campaigns.campaign_results(figure.scope, figure.period, currency=figure.currency)


urlpatterns = [
    path("dashboard/campaigns/", CampaignsView.as_view(), name="dashboard-campaigns"),
    path("dashboard/complaints/", ComplaintsView.as_view(), name="dashboard-complaints"),
    path("dashboard/partners/", PartnersView.as_view(), name="dashboard-partners"),
    path("dashboard/tenders/", TendersView.as_view(), name="dashboard-tenders"),
    path("dashboard/products/", ProductsView.as_view(), name="dashboard-products"),
    path("dashboard/funnel/", FunnelView.as_view(), name="dashboard-funnel"),
    path("dashboard/leakage/", LeakageView.as_view(), name="dashboard-leakage"),
    path("dashboard/win-rate/", WinRateView.as_view(), name="dashboard-win-rate"),
    path("dashboard/forecast/", ForecastView.as_view(), name="dashboard-forecast"),
    path("dashboard/cycle-times/", CycleTimesView.as_view(), name="dashboard-cycle-times"),
    path("dashboard/receivables/", ReceivablesView.as_view(), name="dashboard-receivables"),
    path("dashboard/revenue/", RevenueView.as_view(), name="dashboard-revenue"),
]
