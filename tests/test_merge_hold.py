"""Every write that creates or moves a member-keyed row holds the member first.

An account merge moves each module's member-keyed rows (``members.register_merge_hook``); a
write racing it could leave a row on the absorbed id. ``members.hold_member(session, id)``
share-locks the member row for the rest of the transaction, so the write either finishes before
the merge (which then moves its row) or waits for it and is refused (409
``members.already_merged``). This test makes sure no path forgets it, by reading the source:

1. **writers**: in each module package, a function that builds a row of a merge-hooked table
   (``Model(...)``, ``insert(Model)``, ``dialect_insert(Model)``) or moves one
   (``update(Model)...values(member_id=...)``) — the tables come from the merge hooks'
   registry, so a new table is covered the moment its hook is registered;
2. **call graph**: calls by name inside the same module package (``repo.add_line`` and
   ``add_line`` both point at every function of that name in the package; other modules'
   ``public`` calls are their own module's business);
3. **entry points**: functions nothing in the package calls (routes, event handlers, tasks)
   plus everything ``public.py`` exports;
4. from each entry point, follow calls but stop at a function that calls ``hold_member`` (its
   transaction is held from there on); reaching a writer is a failure naming the chain.

Paths that need no hold are listed in ``NO_HOLD`` with a one-line reason (the merge itself,
writes keyed by a row the merge already moves, staff back-office writes that never run in a
shopper's transaction…). A stale entry (a name that is no longer an unheld entry point) fails
too, so the list cannot rot.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

from sqlalchemy import Table

from shoplet import modules
from shoplet.core.context import AppContext
from shoplet.core.db import Base
from shoplet.modules.members import public as members

MODULES_DIR = Path(modules.__path__[0])
# Calls that hold the member row: members' public hold, and members' own FOR UPDATE locks of
# the row (the address book's ``lock_member``, the merge's ``lock_members`` of its pair).
HOLDS = {"hold_member", "hold_active_member", "lock_member", "lock_members"}

# Why some entry points write member-keyed rows without a hold. Workers and webhooks run
# outside any shopper's request: a hold there would turn a merged id into a handler failing on
# every retry; their ids come from rows the merge moves or from events (a handler that runs
# after the merge can still write to the absorbed id: resolving a merged id to its survivor
# there is the follow-up, see docs/omnichannel.md).
EVENT = "event handler (worker): the member id comes from the event"
JOB = "scheduled job (worker) over member ids it read itself"
STAFF = "staff back-office action on a member the merchant picked"
NOTICE = "a notice to the author of moderated content (staff or worker)"
WEBHOOK = "WeChat/WeCom callback or sync: ids come from the platform's account links"
SEND = "message queueing (worker or order-event handler), a delivery log"
VIEWS = "views are buffered in memory and written in batches by a background flush"

# "module:entry point" → why it writes member-keyed rows without holding the member.
NO_HOLD: dict[str, str] = {
    "achievements:group_succeeded": EVENT,
    "achievements:order_paid": EVENT,
    "achievements:post_published": EVENT,
    "achievements:review_created": EVENT,
    "achievements:review_moderated": EVENT,
    "achievements:signed_in": EVENT,
    "achievements:run_backfills": JOB,
    "analytics:add_tag_members": STAFF,
    "analytics:remove_tag_members": STAFF,
    "analytics:profile_orders": EVENT,
    "analytics:profile_promoters": EVENT,
    "analytics:refresh_profiles_daily": JOB,
    "analytics:work_profile_jobs": JOB,
    "campaigns:run_campaign": STAFF,
    "campaigns:run": JOB,
    "campaigns:run_due": JOB,
    "content:apply_moderation": NOTICE,
    "content:remove": NOTICE,
    "content:settle_due": JOB,
    "content:settle_topic": STAFF,
    "content:reissue": STAFF,
    "content:retry_due": JOB,
    "content:merchant_answer": "a merchant's answer: its member_id is NULL",
    "flashsale:consume": (
        "_place_order holds; a refused request's failed ticket stays on its queued id"
    ),
    "fulfillment:track_shipment": (
        "called by orders' ORDER_SHIPPED handler, which holds the buyer's surviving account first"
    ),
    "invoicing:on_refund": EVENT,
    "loyalty:award_achievement_points": EVENT,
    "loyalty:award_prize_points": EVENT,
    "loyalty:award_review_points": EVENT,
    "loyalty:take_back_review_points": EVENT,
    "loyalty:earn": EVENT,
    "loyalty:expire_points": JOB,
    "loyalty:order_cancelled": EVENT,
    "loyalty:order_refunded": EVENT,
    "loyalty:reverse_aftersale": EVENT,
    "membership:adjust": STAFF,
    "membership:handle_aftersale_refunded": EVENT,
    "membership:handle_order_paid": EVENT,
    "membership:handle_order_refunded": EVENT,
    "membership:evaluate_periods": JOB,
    "membership:remind_renewals": JOB,
    "membership:revoke": STAFF,
    "membership:start_period": EVENT,
    "moderation:record_refusal": "the audit row of a refused submission (nothing else was written)",
    "notification:official_account_push": WEBHOOK,
    "notification:sync_oa_followers": JOB,
    "notification:on_member_unionid": EVENT,
    "notification:enqueue": SEND,
    "notification:on_order_paid": SEND,
    "notification:on_order_shipped": SEND,
    "notification:on_product_changed": SEND,
    "notification:on_restocked": SEND,
    "notification:send_pending": SEND,
    "promotions:handle_tier_changed": EVENT,
    "promotions:issue_member_gifts": JOB,
    "promotions:issue_step": JOB,
    "recommend:report_view": VIEWS,
    "recommend:startup": VIEWS,
    "recommend:flush": VIEWS,
    "recommend:store_trained": JOB,
    "recommend:train": JOB,
    "recommend:order_paid": EVENT,
    "social:invite": STAFF,
    "social:share_conversion": EVENT,
    "wecom:apply_change": WEBHOOK,
    "wecom:link_members": WEBHOOK,
}


Key = tuple[Path, str]  # (file, top-level function or "Class.method")


@dataclass
class Func:
    key: Key
    calls: set[Key] = field(default_factory=set)
    writes: set[str] = field(default_factory=set)
    holds: bool = False


def _merged_models(ctx: AppContext) -> dict[str, dict[str, set[str]]]:
    """module → mapped class name → its member columns that a merge hook moves."""
    for info in pkgutil.walk_packages(modules.__path__, "shoplet.modules."):
        if info.name.endswith(".models"):
            importlib.import_module(info.name)
    hooked = set(members.merge_tables(ctx))
    found: dict[str, dict[str, set[str]]] = {}
    for mapper in Base.registry.mappers:
        cls = mapper.class_
        table = cast("Table", mapper.local_table)
        cols = {c.name for c in table.columns if f"{table.name}.{c.name}" in hooked}
        if cols and cls.__module__.startswith("shoplet.modules."):
            module = cls.__module__.split(".")[2]
            found.setdefault(module, {})[cls.__name__] = cols
    return found


def _module_file(dotted: str) -> Path | None:
    """``shoplet.modules.cart.repository`` → its file (a package's ``__init__.py``)."""
    if not dotted.startswith("shoplet.modules."):
        return None
    base = MODULES_DIR.joinpath(*dotted.split(".")[2:])
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.exists():
            return path
    return None


@dataclass
class _Names:
    """What the names of one file refer to: module aliases, imported functions, models."""

    path: Path
    defined: set[str]
    aliases: dict[str, Path] = field(default_factory=dict)
    imported: dict[str, Key] = field(default_factory=dict)
    models: set[str] = field(default_factory=set)

    def resolve(self, node: ast.expr, cls: str | None) -> Key | None:
        if isinstance(node, ast.Name):
            if node.id in self.defined:
                return (self.path, node.id)
            return self.imported.get(node.id)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            if node.value.id in self.aliases:
                return (self.aliases[node.value.id], node.attr)
            if node.value.id in {"self", "cls"} and cls:
                return (self.path, f"{cls}.{node.attr}")
        return None


def _names(path: Path, tree: ast.Module, models: dict[str, set[str]]) -> _Names:
    defined = {n.name for n in tree.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)}
    names = _Names(path, defined)
    if path.name == "models.py":
        names.models = {n.name for n in tree.body if isinstance(n, ast.ClassDef)} & set(models)
    for node in ast.walk(tree):
        if not isinstance(node, ast.ImportFrom) or not node.module:
            continue
        for alias in node.names:
            local = alias.asname or alias.name
            target = _module_file(f"{node.module}.{alias.name}")
            source = _module_file(node.module)
            if target is not None:
                names.aliases[local] = target
            elif source is not None and node.module.endswith(".models"):
                if alias.name in models:
                    names.models.add(local)
            elif source is not None:
                names.imported[local] = (source, alias.name)
    return names


def _units(tree: ast.Module) -> Iterator[tuple[str, str | None, ast.AST]]:
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield node.name, None, node
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                    yield f"{node.name}.{item.name}", node.name, item


def _writes(node: ast.Call, names: _Names, models: dict[str, set[str]]) -> str | None:
    """The merged model a call creates a row of (``Model(...)``, ``insert(Model)``) or moves
    (``update(Model)....values(member_id=...)``)."""
    func = node.func
    if isinstance(func, ast.Name) and func.id in names.models:
        return func.id
    callee = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
    if callee.endswith("insert"):  # insert(M), postgresql.insert(M), dialect_insert(s, M)
        for arg in node.args:
            if isinstance(arg, ast.Name) and arg.id in names.models:
                return arg.id
    if isinstance(func, ast.Attribute) and func.attr == "values":
        keys = {k.arg for k in node.keywords if k.arg}
        for sub in ast.walk(func.value):
            if (
                isinstance(sub, ast.Call)
                and getattr(sub.func, "id", None) == "update"
                and sub.args
                and isinstance(sub.args[0], ast.Name)
                and sub.args[0].id in names.models
                and keys & models.get(sub.args[0].id, set())
            ):
                return sub.args[0].id
    return None


def _scan_unit(
    func: Func,
    unit: ast.AST,
    cls: str | None,
    *,
    names: _Names,
    models: dict[str, set[str]],
    hooks: set[Key],
) -> Func:
    for node in ast.walk(unit):
        if not isinstance(node, ast.Call):
            continue
        if getattr(node.func, "attr", getattr(node.func, "id", None)) in HOLDS:
            func.holds = True
        if getattr(node.func, "attr", None) == "register_merge_hook" and node.args:
            hook = names.resolve(node.args[-1], cls)
            if hook:
                hooks.add(hook)
        model = _writes(node, names, models)
        if model:
            func.writes.add(model)
        target = names.resolve(node.func, cls)
        if target and target != func.key:
            func.calls.add(target)
    return func


def _scan(module: str, models: dict[str, set[str]]) -> tuple[dict[Key, Func], set[Key]]:
    """The module's functions, and its entry points (uncalled, exported or hooks)."""
    funcs: dict[Key, Func] = {}
    exported: set[Key] = set()
    hooks: set[Key] = set()
    for path in sorted((MODULES_DIR / module).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = _names(path, tree, models)
        if path.name == "public.py":
            exported |= set(names.imported.values())
            exported |= {(path, n) for n in names.defined}
        for qual, cls, unit in _units(tree):
            func = _scan_unit(
                Func((path, qual)), unit, cls, names=names, models=models, hooks=hooks
            )
            funcs[func.key] = func
    # A merge hook runs inside the merge, which holds both member rows FOR UPDATE.
    for hook in hooks:
        if hook in funcs:
            funcs[hook].holds = True
    # A function calling a helper that holds and writes nothing (cart's ``_hold``) holds too.
    changed = True
    while changed:
        changed = False
        for func in funcs.values():
            if not func.holds and any(
                funcs[c].holds and _reach_writer(funcs, c, set(), ignore_holds=True) is None
                for c in func.calls
                if c in funcs
            ):
                func.holds = changed = True
    called = {c for f in funcs.values() for c in f.calls}
    entries = {k for k in funcs if k not in called} | (exported & set(funcs))
    return funcs, entries


def _reach_writer(
    funcs: dict[Key, Func], key: Key, seen: set[Key], *, ignore_holds: bool = False
) -> list[str] | None:
    func = funcs.get(key)
    if func is None or (func.holds and not ignore_holds) or key in seen:
        return None
    seen.add(key)
    here = f"{key[0].relative_to(MODULES_DIR)}:{key[1]}"
    if func.writes:
        return [here, "writes " + ", ".join(sorted(func.writes))]
    for callee in sorted(func.calls):
        found = _reach_writer(funcs, callee, seen, ignore_holds=ignore_holds)
        if found:
            return [here, *found]
    return None


def unheld_paths(ctx: AppContext) -> dict[str, list[str]]:
    """ "module:entry" → the call chain from that entry point to an unheld member-keyed write."""
    found: dict[str, list[str]] = {}
    for module, models in sorted(_merged_models(ctx).items()):
        funcs, entries = _scan(module, models)
        for entry in sorted(entries):
            chain = _reach_writer(funcs, entry, set())
            if chain:
                found[f"{module}:{entry[1]}"] = chain
    return found


def test_every_member_keyed_write_holds_the_member(ctx: AppContext) -> None:
    found = unheld_paths(ctx)
    missing = {k: v for k, v in found.items() if k not in NO_HOLD}
    assert missing == {}, "call members.hold_member first, or list the entry in NO_HOLD"
    assert sorted(set(NO_HOLD) - set(found)) == [], "stale NO_HOLD entries"
    assert all(reason.strip() for reason in NO_HOLD.values())
