"""Who manages whom: the team tree, computed once per request and kept on the user object.

Every model's ``visible_to(user)`` builds on these helpers; nothing else decides scope.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Q, QuerySet

from .models import Role, Team, User

COMPANY_WIDE_ROLES = {Role.ADMIN, Role.INTEGRATION}
# What a partner user sees of any internal record: nothing. Their portal (app ``partners``)
# reads its own records; every internal ``visible_to`` starts from this.
NOTHING = Q(pk__in=[])


def is_partner_user(user) -> bool:
    return bool(getattr(user, "is_partner", False))


def _tree() -> tuple[dict[int, list[int]], dict[int, int | None], dict[int, int | None]]:
    children: dict[int, list[int]] = defaultdict(list)
    parent: dict[int, int | None] = {}
    leader: dict[int, int | None] = {}
    for team_id, parent_id, leader_id in Team.objects.order_by().values_list(
        "id", "parent_id", "leader_id"
    ):
        children[parent_id].append(team_id)
        parent[team_id] = parent_id
        leader[team_id] = leader_id
    return children, parent, leader


def _tree_for(user: User):
    cached = getattr(user, "_ltc_tree", None)
    if cached is None:
        cached = user._ltc_tree = _tree()
    return cached


def subtree(team_ids: Iterable[int], children: dict[int, list[int]]) -> set[int]:
    seen: set[int] = set()
    stack = list(team_ids)
    while stack:
        team_id = stack.pop()
        if team_id in seen:
            continue
        seen.add(team_id)
        stack.extend(children.get(team_id, ()))
    return seen


def managed_team_ids(user: User) -> frozenset[int]:
    """The teams in the subtree of the teams ``user`` leads (empty for non-leaders). Cached."""
    cached = getattr(user, "_ltc_managed_team_ids", None)
    if cached is not None:
        return cached
    children, _parent, leader = _tree_for(user)
    led = [team_id for team_id, leader_id in leader.items() if leader_id == user.pk]
    result = frozenset(subtree(led, children))
    user._ltc_managed_team_ids = result
    return result


def team_and_ancestor_ids(user: User) -> list[int]:
    """The user's team and every team above it, nearest first. Cached."""
    cached = getattr(user, "_ltc_team_chain", None)
    if cached is not None:
        return cached
    chain: list[int] = []
    if user.team_id:
        _children, parent, _leader = _tree_for(user)
        team_id: int | None = user.team_id
        while team_id is not None and team_id not in chain:
            chain.append(team_id)
            team_id = parent.get(team_id)
    user._ltc_team_chain = chain
    return chain


def is_manager(user: User) -> bool:
    return user.role == Role.MANAGER or bool(managed_team_ids(user))


def managed_users(user: User) -> QuerySet[User]:
    """Users in the subtree of the teams ``user`` leads (a subquery, not a list)."""
    return User.objects.filter(team_id__in=managed_team_ids(user))


def manages(manager: User, other: User | None) -> bool:
    if other is None:
        return False
    return other.team_id is not None and other.team_id in managed_team_ids(manager)


def managers_of(user_ids: Iterable[int]) -> dict[int, list[int]]:
    """For each user, the leaders above them (their team's leader, or the next one up). One query
    for the tree plus one for the users."""
    ids = list(set(user_ids))
    if not ids:
        return {}
    _children, parent, leader = _tree()
    result: dict[int, list[int]] = {}
    for user_id, team_id in User.objects.filter(pk__in=ids).values_list("id", "team_id"):
        managers: list[int] = []
        seen: set[int] = set()
        while team_id is not None and team_id not in seen:
            seen.add(team_id)
            leader_id = leader.get(team_id)
            if leader_id and leader_id != user_id:
                managers.append(leader_id)
                break
            team_id = parent.get(team_id)
        result[user_id] = managers
    return result


def visible_users(user: User) -> QuerySet[User]:
    """The users this user may see and pick: everyone active for staff roles; for others, their
    own team tree (their team, its ancestors' members are not included) plus themselves."""
    qs = User.objects.filter(is_active=True)
    if user.is_superuser or user.role in COMPANY_WIDE_ROLES | {Role.MARKETING, Role.FINANCE}:
        return qs
    team_ids = set(managed_team_ids(user))
    if user.team_id:
        team_ids.add(user.team_id)
    return qs.filter(Q(team_id__in=team_ids) | Q(pk=user.pk))
