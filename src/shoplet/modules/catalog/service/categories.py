"""Categories: the tree, creating and changing a category."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from shoplet.modules.catalog import repository as repo
from shoplet.modules.catalog.errors import CategoryNotFound, CategoryTooDeep
from shoplet.modules.catalog.models import Category as CategoryRow
from shoplet.modules.catalog.schemas import Category, CategoryCreate, CategoryUpdate

from ._common import _invalidate_categories

# ---------------------------------------------------------------------------------------------
# Categories


def _category_tree(rows: Sequence[CategoryRow], *, active_only: bool) -> list[Category]:
    visible = [r for r in rows if r.is_active or not active_only]
    tops = [
        Category(
            id=r.id,
            parent_id=None,
            name=r.name,
            icon=r.icon,
            sort_order=r.sort_order,
            is_active=r.is_active,
        )
        for r in visible
        if r.parent_id is None
    ]
    by_id = {c.id: c for c in tops}
    for r in visible:
        if r.parent_id is not None and r.parent_id in by_id:
            by_id[r.parent_id].children.append(
                Category(
                    id=r.id,
                    parent_id=r.parent_id,
                    name=r.name,
                    icon=r.icon,
                    sort_order=r.sort_order,
                    is_active=r.is_active,
                )
            )
    return tops


async def list_categories(session: AsyncSession, *, active_only: bool = False) -> list[Category]:
    """The category tree (top level with children), by ``sort_order`` then id."""
    return _category_tree(await repo.list_categories(session), active_only=active_only)


def _category_out(row: CategoryRow) -> Category:
    return Category(
        id=row.id,
        parent_id=row.parent_id,
        name=row.name,
        icon=row.icon,
        sort_order=row.sort_order,
        is_active=row.is_active,
    )


async def create_category(session: AsyncSession, data: CategoryCreate) -> Category:
    if data.parent_id is not None:
        parent = await repo.get_category(session, data.parent_id)
        if parent is None:
            raise CategoryNotFound(f"category {data.parent_id} does not exist")
        if parent.parent_id is not None:
            raise CategoryTooDeep("a sub-category cannot have children")
    row = CategoryRow(
        parent_id=data.parent_id,
        name=data.name,
        icon=data.icon,
        sort_order=data.sort_order,
        is_active=data.is_active,
    )
    repo.add(session, row)
    await session.flush()
    _invalidate_categories(session)
    return _category_out(row)


async def update_category(
    session: AsyncSession, category_id: int, data: CategoryUpdate
) -> Category:
    row = await repo.get_category(session, category_id)
    if row is None:
        raise CategoryNotFound(f"category {category_id} does not exist")
    for field in ("name", "icon", "sort_order", "is_active"):
        if field in data.model_fields_set and (field == "icon" or getattr(data, field) is not None):
            setattr(row, field, getattr(data, field))
    await session.flush()
    _invalidate_categories(session)
    return _category_out(row)


async def _require_category(session: AsyncSession, category_id: int) -> None:
    if await repo.get_category(session, category_id) is None:
        raise CategoryNotFound(f"category {category_id} does not exist")
