"""The shapes of the dashboard figures over REST (read-only; money as decimal strings)."""

from rest_framework import serializers

from .scope import Scope


def money():
    return serializers.DecimalField(max_digits=20, decimal_places=2)


def share():
    return serializers.FloatField(allow_null=True, help_text="A share between 0 and 1")


def days():
    return serializers.FloatField(allow_null=True, help_text="Days, one decimal")


class DashboardPeriodSerializer(serializers.Serializer):
    label = serializers.CharField()
    date_from = serializers.DateField(source="from")
    to = serializers.DateField()


class DashboardScopeSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["company", "team", "owner"])
    team = serializers.IntegerField(allow_null=True)
    owner = serializers.IntegerField(allow_null=True)
    label = serializers.CharField()


class DashboardEnvelope(serializers.Serializer):
    period = DashboardPeriodSerializer()
    scope = DashboardScopeSerializer()


# Funnel
class DashboardFunnelStageSerializer(serializers.Serializer):
    stage_id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    process = serializers.CharField()
    order = serializers.IntegerField()
    open_count = serializers.IntegerField()
    open_amount = money()
    entered = serializers.IntegerField()
    advanced = serializers.IntegerField()
    conversion = share()


class DashboardCountAmountSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    amount = money()


class DashboardClosedSerializer(serializers.Serializer):
    won = DashboardCountAmountSerializer()
    lost = DashboardCountAmountSerializer()
    abandoned = DashboardCountAmountSerializer()


class DashboardLeadChainSerializer(serializers.Serializer):
    leads = serializers.IntegerField()
    opportunities = serializers.IntegerField()
    won = serializers.IntegerField()
    lead_to_opportunity = share()
    opportunity_to_won = share()
    lead_to_won = share()


class DashboardFunnelSerializer(DashboardEnvelope):
    currency = serializers.CharField()
    stages = DashboardFunnelStageSerializer(many=True)
    closed = DashboardClosedSerializer()
    leads = DashboardLeadChainSerializer()


# Leakage
class DashboardLeakageCountsSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    recoveries = serializers.IntegerField()
    missed = serializers.IntegerField()
    recovered = serializers.IntegerField()
    recovered_twice = serializers.IntegerField()
    disqualified = serializers.IntegerField()
    untouched = serializers.IntegerField()
    missed_share = share()
    recovered_share = share()
    recovered_twice_share = share()
    disqualified_share = share()
    untouched_share = share()


class DashboardLeakageReasonSerializer(serializers.Serializer):
    reason = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()
    share = share()


class DashboardLeakageSourceSerializer(DashboardLeakageCountsSerializer):
    source = serializers.CharField()
    label = serializers.CharField()


class DashboardLeakageRepSerializer(DashboardLeakageCountsSerializer):
    owner = serializers.IntegerField(allow_null=True, help_text="null: in the pool now")
    name = serializers.CharField()
    taken_back = serializers.IntegerField()


class DashboardLeakageSerializer(DashboardEnvelope, DashboardLeakageCountsSerializer):
    by_reason = DashboardLeakageReasonSerializer(many=True)
    by_source = DashboardLeakageSourceSerializer(many=True)
    by_rep = DashboardLeakageRepSerializer(many=True)


# Win rate
class DashboardWinCountsSerializer(serializers.Serializer):
    closed = serializers.IntegerField()
    won = serializers.IntegerField()
    lost = serializers.IntegerField()
    abandoned = serializers.IntegerField()
    won_amount = money()
    closed_amount = money()
    win_rate = share()
    amount_win_rate = share()


class DashboardWinGradeSerializer(DashboardWinCountsSerializer):
    grade = serializers.CharField()
    label = serializers.CharField()


class DashboardWinOwnerSerializer(DashboardWinCountsSerializer):
    owner = serializers.IntegerField()
    name = serializers.CharField()


class DashboardWinTeamSerializer(DashboardWinCountsSerializer):
    team = serializers.IntegerField(allow_null=True)
    name = serializers.CharField()


class DashboardWinSourceSerializer(DashboardWinCountsSerializer):
    source = serializers.CharField()
    label = serializers.CharField()


class DashboardLossReasonSerializer(serializers.Serializer):
    reason = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()
    amount = money()


class DashboardCompetitorSerializer(serializers.Serializer):
    competitor = serializers.CharField()
    count = serializers.IntegerField()
    amount = money()


class DashboardWinRateSerializer(DashboardEnvelope, DashboardWinCountsSerializer):
    currency = serializers.CharField()
    by_grade = DashboardWinGradeSerializer(many=True)
    by_owner = DashboardWinOwnerSerializer(many=True)
    by_team = DashboardWinTeamSerializer(many=True)
    by_source = DashboardWinSourceSerializer(many=True)
    loss_reasons = DashboardLossReasonSerializer(many=True)
    competitors = DashboardCompetitorSerializer(many=True)


# Forecast
class DashboardForecastAmountsSerializer(serializers.Serializer):
    target = money()
    won = money()
    pipeline = money()
    weighted = money()
    slipped = money()
    forecast = money()
    gap = money()
    missing_pipeline = money()
    slipped_dates = money()
    low_conversion = money()


class DashboardForecastMonthSerializer(DashboardForecastAmountsSerializer):
    month = serializers.CharField(help_text="YYYY-MM")
    open_count = serializers.IntegerField()
    slipped_count = serializers.IntegerField()
    won_count = serializers.IntegerField()


class DashboardForecastSerializer(DashboardEnvelope):
    currency = serializers.CharField()
    months = DashboardForecastMonthSerializer(many=True)
    totals = DashboardForecastAmountsSerializer()


# Cycle times
class DashboardSpreadSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    median = days()
    p90 = days()


class DashboardStageSpreadSerializer(DashboardSpreadSerializer):
    stage_id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    process = serializers.CharField()


class DashboardReviewSpreadSerializer(DashboardSpreadSerializer):
    kind = serializers.CharField()
    label = serializers.CharField()


class DashboardOrderToCashSerializer(DashboardSpreadSerializer):
    average = days()


class DashboardCycleTimesSerializer(DashboardEnvelope):
    stages = DashboardStageSpreadSerializer(many=True)
    reviews = DashboardReviewSpreadSerializer(many=True)
    lead_to_win = DashboardSpreadSerializer()
    order_to_cash = DashboardOrderToCashSerializer()


# Revenue and receivables
class DashboardRevenueMonthSerializer(serializers.Serializer):
    month = serializers.CharField(help_text="YYYY-MM")
    recognised = money()
    reversed = money()
    net = money()
    entries = serializers.IntegerField()


class DashboardRevenueSerializer(DashboardEnvelope):
    currency = serializers.CharField()
    months = DashboardRevenueMonthSerializer(many=True)
    total = money()
    delivered_not_accepted = DashboardCountAmountSerializer()


class DashboardFamilySerializer(serializers.Serializer):
    family = serializers.CharField(
        help_text="The product family's id; empty: not from the catalogue"
    )
    name = serializers.CharField()
    won = money()
    revenue = money()


class DashboardDiscountSerializer(serializers.Serializer):
    key = serializers.IntegerField(allow_null=True, help_text="The rep's or team's id")
    name = serializers.CharField()
    quotes = serializers.IntegerField()
    list_total = money()
    discount = money()
    average_discount = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True)


class DashboardProductsSerializer(DashboardEnvelope):
    currency = serializers.CharField()
    families = DashboardFamilySerializer(many=True)
    won_total = money()
    revenue_total = money()
    discount_by_owner = DashboardDiscountSerializer(many=True)
    discount_by_team = DashboardDiscountSerializer(many=True)


class DashboardPartnerSerializer(serializers.Serializer):
    partner = serializers.IntegerField()
    name = serializers.CharField()
    registered = serializers.IntegerField()
    accepted = serializers.IntegerField()
    rejected = serializers.IntegerField()
    acceptance_rate = share()
    pipeline_count = serializers.IntegerField()
    pipeline_amount = money()
    won_count = serializers.IntegerField()
    won_amount = money()


class DashboardPartnersSerializer(DashboardEnvelope):
    currency = serializers.CharField()
    partners = DashboardPartnerSerializer(many=True)
    registered = serializers.IntegerField()
    pipeline_amount = money()
    won_amount = money()


class DashboardTenderRowSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="A tender state, or a bond group")
    name = serializers.CharField()
    count = serializers.IntegerField()
    amount = money()


class DashboardTenderSummarySerializer(serializers.Serializer):
    decided = serializers.IntegerField()
    won = serializers.IntegerField()
    lost = serializers.IntegerField()
    win_rate = serializers.FloatField(allow_null=True, help_text="won ÷ (won + lost)")
    won_amount = money()


class DashboardTendersSerializer(DashboardEnvelope):
    currency = serializers.CharField()
    results = DashboardTenderRowSerializer(many=True)
    summary = DashboardTenderSummarySerializer()
    bonds = DashboardTenderRowSerializer(many=True)
    bonds_total = money()


class DashboardAgingSerializer(serializers.Serializer):
    not_due = money()
    days_0_30 = money()
    days_31_60 = money()
    days_61_90 = money()
    over_90 = money()
    total = money()
    invoice_count = serializers.IntegerField()


class DashboardAgingCustomerSerializer(DashboardAgingSerializer):
    customer = serializers.IntegerField()
    name = serializers.CharField()


class DashboardDsoSerializer(serializers.Serializer):
    outstanding = money()
    sales = money()
    days = serializers.IntegerField()
    dso = serializers.DecimalField(max_digits=10, decimal_places=1, allow_null=True)


class DashboardReceivablesSerializer(DashboardEnvelope):
    currency = serializers.CharField()
    today = serializers.DateField()
    aging = DashboardAgingSerializer()
    customers = DashboardAgingCustomerSerializer(many=True)
    dso = DashboardDsoSerializer()
    invoiced = money()
    collected = money()
    order_to_cash = DashboardOrderToCashSerializer()


def envelope(data: dict, *, scope: Scope, period) -> dict:
    return {"period": period.as_dict(), "scope": scope.as_dict(), **data}


class DashboardComplaintSummarySerializer(serializers.Serializer):
    opened = serializers.IntegerField(help_text="Complaints opened in the period")
    on_contracts = serializers.IntegerField(help_text="Of them, on a contract, order or unit")
    contracts = serializers.IntegerField(help_text="Contracts signed by the period's end")
    customers = serializers.IntegerField(help_text="Their customers")
    rate_per_contract = serializers.FloatField(allow_null=True)
    rate_per_customer = serializers.FloatField(allow_null=True)
    breached = serializers.IntegerField(help_text="Answered or resolved late, or still late")
    breach_share = serializers.FloatField(allow_null=True)
    resolved = serializers.IntegerField(help_text="Complaints resolved in the period")
    median_hours_to_resolve = serializers.FloatField(allow_null=True)
    p90_hours_to_resolve = serializers.FloatField(allow_null=True)


class DashboardComplaintSeveritySerializer(serializers.Serializer):
    severity = serializers.CharField()
    name = serializers.CharField()
    complaints = serializers.IntegerField()
    breached = serializers.IntegerField()


class DashboardComplaintContractSerializer(serializers.Serializer):
    contract = serializers.IntegerField()
    contract_number = serializers.CharField(source="contract__number")
    customer_name = serializers.CharField(source="customer__name")
    complaints = serializers.IntegerField()
    breached = serializers.IntegerField()


class DashboardComplaintCustomerSerializer(serializers.Serializer):
    customer = serializers.IntegerField()
    customer_name = serializers.CharField(source="customer__name")
    complaints = serializers.IntegerField()
    breached = serializers.IntegerField()


class DashboardComplaintsSerializer(DashboardEnvelope):
    summary = DashboardComplaintSummarySerializer()
    by_severity = DashboardComplaintSeveritySerializer(many=True)
    by_contract = DashboardComplaintContractSerializer(many=True)
    by_customer = DashboardComplaintCustomerSerializer(many=True)


class CampaignRowSerializer(serializers.Serializer):
    key = serializers.CharField(
        help_text="The group's drill-down key: campaign id (0: none).source"
    )
    campaign = serializers.IntegerField(allow_null=True)
    name = serializers.CharField()
    source = serializers.CharField()
    source_label = serializers.CharField()
    leads = serializers.IntegerField(help_text="Leads created in the period")
    converted = serializers.IntegerField(help_text="Of them, became an opportunity")
    conversion = share()
    pipeline = money()
    won = money()
    budget = serializers.DecimalField(max_digits=20, decimal_places=2, allow_null=True)


class DashboardCampaignsSerializer(DashboardEnvelope):
    currency = serializers.CharField()
    rows = CampaignRowSerializer(many=True)
