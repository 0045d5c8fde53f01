from rest_framework import serializers

from ..models import PriceBook, PriceBookEntry, Product, ProductFamily


class ProductSerializer(serializers.ModelSerializer):
    # The ERP names the family by its code, as it names products by theirs.
    family = serializers.SlugRelatedField(slug_field="code", queryset=ProductFamily.objects.all())
    family_name = serializers.SerializerMethodField()
    name = serializers.CharField(read_only=True)

    class Meta:
        model = Product
        fields = [
            "id",
            "code",
            "name",
            "name_zh_hans",
            "name_en",
            "family",
            "family_name",
            "unit",
            "type",
            "active",
            "external_id",
            "updated_at",
        ]
        read_only_fields = ["id", "name", "family_name", "external_id", "updated_at"]

    def get_family_name(self, product) -> str:
        return product.family.name

    def get_validators(self):
        # Uniqueness is the service's (model validation), so an upsert is not refused up front.
        return []

    def build_standard_field(self, field_name, model_field):
        field_class, kwargs = super().build_standard_field(field_name, model_field)
        kwargs.pop("validators", None)  # the model's full_clean checks them, unique code included
        return field_class, kwargs


class PriceBookSerializer(serializers.ModelSerializer):
    class Meta:
        model = PriceBook
        fields = [
            "id",
            "name",
            "is_standard",
            "currency",
            "valid_from",
            "valid_to",
            "active",
            "external_id",
            "updated_at",
        ]
        read_only_fields = ["id", "external_id", "updated_at"]

    def get_validators(self):
        return []

    def build_standard_field(self, field_name, model_field):
        field_class, kwargs = super().build_standard_field(field_name, model_field)
        kwargs.pop("validators", None)
        return field_class, kwargs


class PriceBookEntrySerializer(serializers.ModelSerializer):
    product = serializers.SlugRelatedField(slug_field="code", queryset=Product.objects.all())
    product_id = serializers.IntegerField(source="product.id", read_only=True)
    product_name = serializers.CharField(source="product.name", read_only=True)
    list_price = serializers.DecimalField(max_digits=16, decimal_places=2, min_value=0)

    class Meta:
        model = PriceBookEntry
        fields = ["id", "product", "product_id", "product_name", "list_price", "updated_at"]
        read_only_fields = ["id", "product_id", "product_name", "updated_at"]
        validators = []
