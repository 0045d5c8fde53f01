"""The shapes of the dashboard figures over REST (read-only; money as decimal strings)."""

from rest_framework import serializers

from .scope import Scope


def money():
    return serializers.DecimalField(max_digits=20, decimal_places=2)


def share():
    return serializers.FloatField(allow_null=True, help_text="A share between 0 and 1")


def days():
    return serializers.FloatField(allow_null=True, help_text="Days, one decimal")


class QuerySerializer(serializers.Serializer):
    """The filters every figure takes."""

    period = serializers.CharField(
        required=False, help_text="YYYY, YYYY-MM or YYYY-Qn; default: the current year"
    )
    date_from = serializers.DateField(
        required=False, help_text="First day (with or instead of period)"
    )
    date_to = serializers.DateField(required=False, help_text="Last day")
    team = serializers.IntegerField(required=False, help_text="A team id: that team's subtree")
    owner = serializers.IntegerField(required=False, help_text="A user id: that person's figures")
    currency = serializers.CharField(required=False, help_text="Amounts in this currency")


class PeriodSerializer(serializers.Serializer):
    label = serializers.CharField()
    date_from = serializers.DateField(source="from")
    to = serializers.DateField()


class ScopeSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["company", "team", "owner"])
    team = serializers.IntegerField(allow_null=True)
    owner = serializers.IntegerField(allow_null=True)
    label = serializers.CharField()


class Envelope(serializers.Serializer):
    period = PeriodSerializer()
    scope = ScopeSerializer()


# Funnel
class FunnelStageSerializer(serializers.Serializer):
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


class CountAmountSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    amount = money()


class ClosedSerializer(serializers.Serializer):
    won = CountAmountSerializer()
    lost = CountAmountSerializer()
    abandoned = CountAmountSerializer()


class LeadChainSerializer(serializers.Serializer):
    leads = serializers.IntegerField()
    opportunities = serializers.IntegerField()
    won = serializers.IntegerField()
    lead_to_opportunity = share()
    opportunity_to_won = share()
    lead_to_won = share()


class FunnelSerializer(Envelope):
    currency = serializers.CharField()
    stages = FunnelStageSerializer(many=True)
    closed = ClosedSerializer()
    leads = LeadChainSerializer()


# Leakage
class LeakageCountsSerializer(serializers.Serializer):
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


class LeakageReasonSerializer(serializers.Serializer):
    reason = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()
    share = share()


class LeakageSourceSerializer(LeakageCountsSerializer):
    source = serializers.CharField()
    label = serializers.CharField()


class LeakageRepSerializer(LeakageCountsSerializer):
    owner = serializers.IntegerField(allow_null=True, help_text="null: in the pool now")
    name = serializers.CharField()
    taken_back = serializers.IntegerField()


class LeakageSerializer(Envelope, LeakageCountsSerializer):
    by_reason = LeakageReasonSerializer(many=True)
    by_source = LeakageSourceSerializer(many=True)
    by_rep = LeakageRepSerializer(many=True)


# Win rate
class WinCountsSerializer(serializers.Serializer):
    closed = serializers.IntegerField()
    won = serializers.IntegerField()
    lost = serializers.IntegerField()
    abandoned = serializers.IntegerField()
    won_amount = money()
    closed_amount = money()
    win_rate = share()
    amount_win_rate = share()


class WinGradeSerializer(WinCountsSerializer):
    grade = serializers.CharField()
    label = serializers.CharField()


class WinOwnerSerializer(WinCountsSerializer):
    owner = serializers.IntegerField()
    name = serializers.CharField()


class WinTeamSerializer(WinCountsSerializer):
    team = serializers.IntegerField(allow_null=True)
    name = serializers.CharField()


class WinSourceSerializer(WinCountsSerializer):
    source = serializers.CharField()
    label = serializers.CharField()


class LossReasonSerializer(serializers.Serializer):
    reason = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()
    amount = money()


class CompetitorSerializer(serializers.Serializer):
    competitor = serializers.CharField()
    count = serializers.IntegerField()
    amount = money()


class WinRateSerializer(Envelope, WinCountsSerializer):
    currency = serializers.CharField()
    by_grade = WinGradeSerializer(many=True)
    by_owner = WinOwnerSerializer(many=True)
    by_team = WinTeamSerializer(many=True)
    by_source = WinSourceSerializer(many=True)
    loss_reasons = LossReasonSerializer(many=True)
    competitors = CompetitorSerializer(many=True)


# Forecast
class ForecastAmountsSerializer(serializers.Serializer):
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


class ForecastMonthSerializer(ForecastAmountsSerializer):
    month = serializers.CharField(help_text="YYYY-MM")
    open_count = serializers.IntegerField()
    slipped_count = serializers.IntegerField()
    won_count = serializers.IntegerField()


class ForecastSerializer(Envelope):
    currency = serializers.CharField()
    months = ForecastMonthSerializer(many=True)
    totals = ForecastAmountsSerializer()


# Cycle times
class SpreadSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    median = days()
    p90 = days()


class StageSpreadSerializer(SpreadSerializer):
    stage_id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    process = serializers.CharField()


class ReviewSpreadSerializer(SpreadSerializer):
    kind = serializers.CharField()
    label = serializers.CharField()


class OrderToCashSerializer(SpreadSerializer):
    average = days()


class CycleTimesSerializer(Envelope):
    stages = StageSpreadSerializer(many=True)
    reviews = ReviewSpreadSerializer(many=True)
    lead_to_win = SpreadSerializer()
    order_to_cash = OrderToCashSerializer()


# Revenue and receivables
class RevenueMonthSerializer(serializers.Serializer):
    month = serializers.CharField(help_text="YYYY-MM")
    recognised = money()
    reversed = money()
    net = money()
    entries = serializers.IntegerField()


class RevenueSerializer(Envelope):
    currency = serializers.CharField()
    months = RevenueMonthSerializer(many=True)
    total = money()
    delivered_not_accepted = CountAmountSerializer()


class AgingSerializer(serializers.Serializer):
    not_due = money()
    days_0_30 = money()
    days_31_60 = money()
    days_61_90 = money()
    over_90 = money()
    total = money()
    invoice_count = serializers.IntegerField()


class AgingCustomerSerializer(AgingSerializer):
    customer = serializers.IntegerField()
    name = serializers.CharField()


class DsoSerializer(serializers.Serializer):
    outstanding = money()
    sales = money()
    days = serializers.IntegerField()
    dso = serializers.DecimalField(max_digits=10, decimal_places=1, allow_null=True)


class ReceivablesSerializer(Envelope):
    currency = serializers.CharField()
    today = serializers.DateField()
    aging = AgingSerializer()
    customers = AgingCustomerSerializer(many=True)
    dso = DsoSerializer()
    invoiced = money()
    collected = money()
    order_to_cash = OrderToCashSerializer()


def envelope(data: dict, *, scope: Scope, period) -> dict:
    return {"period": period.as_dict(), "scope": scope.as_dict(), **data}
