from ltc.org.models import Role


def can_read_audit(user) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return user.is_superuser or user.role in (Role.ADMIN, Role.FINANCE)
