"""Roles, permissions and the identity of a signed-in staff member (no HTTP here)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

from .models import Staff

Role = Literal["owner", "operator", "support"]
ROLES: tuple[str, ...] = get_args(Role)

PII_REVEAL = "pii:reveal"
OPERATOR_PERMISSIONS = frozenset(
    {
        "products:read",
        "products:write",
        "stock:adjust",
        "orders:read",
        "orders:ship",
        "orders:export",
        "aftersales:handle",
        "dashboard:read",
        "flashsale:manage",
        "promotions:manage",
        "loyalty:manage",
        "membership:manage",
        "reviews:manage",
        "moderation:manage",
        "content:manage",
        "distribution:manage",
        "analytics:view",
        "analytics:manage",
        "replenishment:manage",
        "experiments:manage",
        "insights:alerts",
        "stores:manage",
        "pickups:verify",
        "invoices:manage",
        "support:chat",
        "live:manage",
        "wecom:manage",
    }
)
PERMISSIONS: dict[str, frozenset[str]] = {
    # pii:reveal: full phone numbers and addresses (?reveal=true, search by phone, CSV export).
    "owner": OPERATOR_PERMISSIONS
    | {"staff:manage", "audit:read", PII_REVEAL, "openapi:manage", "risk:manage"},
    "operator": OPERATOR_PERMISSIONS,
    "support": frozenset(
        {"products:read", "orders:read", "aftersales:handle", "pickups:verify", "support:chat"}
    ),
}
ALL_PERMISSIONS: frozenset[str] = frozenset().union(*PERMISSIONS.values())


@dataclass(frozen=True, slots=True)
class StaffIdentity:
    """The signed-in staff member, as loaded for this request (role read from the database, so a
    demotion or deactivation takes effect on the next request, not when the token expires)."""

    id: int
    username: str
    role: str
    permissions: frozenset[str]

    @classmethod
    def of(cls, staff: Staff) -> StaffIdentity:
        return cls(
            id=staff.id,
            username=staff.username,
            role=staff.role,
            permissions=PERMISSIONS.get(staff.role, frozenset()),
        )


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a staff action came from, as the audit log records it (plain values, so services,
    the CLI and jobs can record actions without an HTTP request)."""

    ip: str | None = None
    user_agent: str | None = None
