from rest_framework import serializers

from ..models import User


class UserSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="__str__", read_only=True)
    team_name = serializers.CharField(source="team.name", read_only=True, default=None)

    class Meta:
        model = User
        fields = ["id", "username", "name", "email", "role", "team", "team_name"]
        read_only_fields = fields
