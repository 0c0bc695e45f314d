"""Console routes of checkout: the shop's shipping rules (fees by region, free-shipping threshold).

Thin: each route checks a permission (``staff.public``), calls the service and appends an audit
entry in the same transaction.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from shoplet.core.db import DbSession
from shoplet.core.errors import problem_responses
from shoplet.modules.staff.public import StaffIdentity, origin_of, record_audit, require_permission

from . import public as checkout

router = APIRouter()

# Shipping fees are part of what the shop charges: managed by whoever manages the catalogue
# (owners and operators), like prices.
ShippingManager = Annotated[StaffIdentity, Depends(require_permission("products:write"))]


@router.get("/shipping-rules")
async def get_shipping_rules(_: ShippingManager, session: DbSession) -> checkout.ShippingRulesView:
    """The shop's shipping fees: flat fee, free-shipping threshold, fees by region."""
    return checkout.shipping_rules_view(await checkout.get_shipping_rules(session))


@router.put("/shipping-rules", responses=problem_responses(400))
async def put_shipping_rules(
    body: checkout.ShippingRulesUpdate, staff: ShippingManager, request: Request, session: DbSession
) -> checkout.ShippingRulesView:
    """Replace the shipping rules; checkout prices new orders with them at once."""
    before = checkout.shipping_rules_view(await checkout.get_shipping_rules(session))
    rules = await checkout.update_shipping_rules(
        session, body.to_rules(), actor=f"staff:{staff.username}"
    )
    after = checkout.shipping_rules_view(rules)
    await record_audit(
        session,
        staff,
        "shipping_rules.update",
        "shipping_rules",
        {"before": before.model_dump(), "after": after.model_dump()},
        origin_of(request),
    )
    return after
