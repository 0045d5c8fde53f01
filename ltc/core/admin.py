"""Admin pieces every app shares."""


class ReadOnlyAdminMixin:
    """An admin (or inline) that shows records and changes none: records that change only
    through their services (transitions, money, logs) are read here, never written."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
