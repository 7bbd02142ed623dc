"""Plan tiers and what each includes; `require_plan` gates a feature on the agency's tier.

The table lives in code (not the database) so a feature and its gate ship together.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from itertools import pairwise
from typing import Any
from uuid import UUID

import asyncpg

from ..errors import NotFound, PlanRequired, RuleViolated

TIERS: tuple[str, ...] = ("free", "pro", "enterprise")  # cheapest first


@dataclass(frozen=True)
class Plan:
    tier: str
    api_keys: int  # active keys at once
    webhook_endpoints: int
    key_rate_limit: int  # requests per minute, the most one key may be given
    talent_pool_search: bool  # searching every candidate, not only the agency's applicants
    audit_retention_days: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


PLANS: dict[str, Plan] = {
    "free": Plan("free", api_keys=3, webhook_endpoints=2, key_rate_limit=300, talent_pool_search=False,
                 audit_retention_days=7),
    "pro": Plan("pro", api_keys=25, webhook_endpoints=10, key_rate_limit=1200, talent_pool_search=False,
                audit_retention_days=90),
    "enterprise": Plan("enterprise", api_keys=250, webhook_endpoints=100, key_rate_limit=6000,
                       talent_pool_search=True, audit_retention_days=365),
}  # fmt: skip
assert tuple(PLANS) == TIERS
assert all(PLANS[a].key_rate_limit <= PLANS[b].key_rate_limit for a, b in pairwise(TIERS))


def tier_rank(tier: str) -> int:
    return TIERS.index(tier)


async def plan_of(conn: asyncpg.Connection, agency_id: UUID) -> Plan:
    tier = await conn.fetchval("SELECT plan FROM agencies WHERE id = $1", agency_id)
    if tier is None:
        raise NotFound("Agency not found")
    return PLANS[tier]


async def require_plan(conn: asyncpg.Connection, agency_id: UUID, tier: str, feature: str) -> Plan:
    """403 PLAN_REQUIRED naming `tier` unless the agency's plan is `tier` or above."""
    if tier not in PLANS:
        raise ValueError(f"unknown plan tier {tier!r}")
    plan = await plan_of(conn, agency_id)
    if tier_rank(plan.tier) < tier_rank(tier):
        raise PlanRequired(tier, feature)
    return plan


def cheapest_tier(allows: Callable[[Plan], bool]) -> str | None:
    """The lowest tier whose plan satisfies `allows`, or None when no tier does."""
    return next((tier for tier in TIERS if allows(PLANS[tier])), None)


def require_allowance(plan: Plan, allows: Callable[[Plan], bool], feature: str) -> None:
    """PLAN_REQUIRED naming the cheapest tier that allows it; 422 when no tier does."""
    if allows(plan):
        return
    tier = cheapest_tier(allows)
    if tier is None or tier_rank(tier) <= tier_rank(plan.tier):
        raise RuleViolated(f"{feature} is beyond what any plan allows")
    raise PlanRequired(tier, feature)
