"""The layout rules of docs/architecture.md that a parser can check.

Every module source is parsed with ``ast``:

- SQL lives in ``repository.py``: no ``select(``/``insert(``/``update(``/``delete(``/``text(``
  and no ``session.execute/add/scalar(s)/get/...`` anywhere else in a module (``models.py`` may
  use ``text(`` for DDL: server defaults and partial-index predicates).
- Module code never ends a transaction: no ``commit()``/``rollback()``/``begin()`` and no bare
  ``sessionmaker()``; a request's transaction is ``DbSession``, a job's ``unit_of_work``, and
  the rest goes through the helpers in ``shoplet.core.db``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "shoplet"
MODULES_DIR = SRC / "modules"

SQL_BUILDERS = {"select", "insert", "update", "delete", "text"}
SQL_NAMESPACES = {"sa", "sqlalchemy", "postgresql", "sqlite", "expression"}
SESSION_METHODS = {
    "add",
    "add_all",
    "delete",
    "execute",
    "get",
    "merge",
    "scalar",
    "scalars",
    "stream",
    "stream_scalars",
}
TRANSACTION_METHODS = {"commit", "rollback", "begin", "begin_nested"}


def module_sources() -> list[Path]:
    return sorted(MODULES_DIR.rglob("*.py"))


def _calls(path: Path) -> Iterator[ast.Call]:
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Call):
            yield node


def _is_session(node: ast.expr) -> bool:
    """``session``, ``s``, ``self.session``, ``db_session``: what holds a database session."""
    if isinstance(node, ast.Name):
        return node.id == "s" or node.id.endswith("session")
    if isinstance(node, ast.Attribute):
        return node.attr.endswith("session")
    return False


def sql_outside_repositories(path: Path) -> list[str]:
    found = []
    rel = path.relative_to(ROOT)
    for call in _calls(path):
        func = call.func
        name: str | None = None
        if isinstance(func, ast.Name) and func.id in SQL_BUILDERS:
            name = f"{func.id}("
        elif (
            isinstance(func, ast.Attribute)
            and func.attr in SQL_BUILDERS
            and isinstance(func.value, ast.Name)
            and func.value.id in SQL_NAMESPACES
        ):
            name = f"{func.value.id}.{func.attr}("
        elif (
            isinstance(func, ast.Attribute)
            and func.attr in SESSION_METHODS
            and _is_session(func.value)
        ):
            name = f"session.{func.attr}("
        if name is None:
            continue
        if path.name == "models.py" and name in ("text(", "sa.text("):
            continue
        found.append(f"{rel}:{call.lineno}: {name}")
    return found


def transaction_ends(path: Path) -> list[str]:
    found = []
    rel = path.relative_to(ROOT)
    for call in _calls(path):
        func = call.func
        if (
            isinstance(func, ast.Attribute)
            and func.attr in TRANSACTION_METHODS
            and _is_session(func.value)
        ):
            found.append(f"{rel}:{call.lineno}: .{func.attr}()")
        elif isinstance(func, ast.Attribute) and func.attr == "sessionmaker":
            found.append(f"{rel}:{call.lineno}: sessionmaker() (use a core.db helper)")
    return found


def test_sql_only_in_repositories() -> None:
    offending = [
        hit
        for path in module_sources()
        if path.name != "repository.py"
        for hit in sql_outside_repositories(path)
    ]
    assert not offending, "move these queries into the module's repository.py:\n" + "\n".join(
        offending
    )


def test_module_code_never_ends_a_transaction() -> None:
    offending = [hit for path in module_sources() for hit in transaction_ends(path)]
    assert not offending, (
        "use DbSession (requests), unit_of_work (jobs), short_transaction (around an outside "
        "call), read_session or keep_writes_on_error from shoplet.core.db:\n" + "\n".join(offending)
    )


def test_the_checks_see_what_they_look_for() -> None:
    """The scanners themselves: each forbidden form is found, look-alikes are not."""
    source = (
        "async def f(session, ctx):\n"
        "    await session.execute(select(X))\n"
        "    session.add(x)\n"
        "    await session.scalar(sa.text('1'))\n"
        "    await postgresql.insert(X)\n"
        "    await session.commit()\n"
        "    async with ctx.sessionmaker() as s:\n"
        "        await s.get(X, 1)\n"
        "    await inventory.commit(session, ref='x')\n"
        "    values.update(x=1)\n"
        "    cache.get(1)\n"
    )
    # Paths are reported relative to the project, so the probe lives inside it for a moment.
    target = ROOT / "tests" / "_structure_probe.py"
    assert not target.exists()
    target.write_text(source)
    try:
        sql = [hit.split(": ", 1)[1] for hit in sql_outside_repositories(target)]
        ends = [hit.split(": ", 1)[1] for hit in transaction_ends(target)]
    finally:
        target.unlink()
    assert sorted(sql) == sorted(
        [
            "session.execute(",
            "select(",
            "session.add(",
            "session.scalar(",
            "sa.text(",
            "postgresql.insert(",
            "session.get(",
        ]
    )
    assert ends == [".commit()", "sessionmaker() (use a core.db helper)"]
