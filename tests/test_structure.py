"""The layout rules of docs/architecture.md that a parser or an import graph can check.

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
import tomllib
from collections.abc import Iterator
from pathlib import Path

import grimp
import pytest
from tools import contracts

from shoplet.modules import LAYERS, MODULE_FILES, MODULES, load

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


def test_routes_use_the_request_transaction() -> None:
    """Route files take ``DbSession``; a job's ``unit_of_work`` has no place in them (a route
    that must not hold a transaction across an outside call says so in its service, through
    ``short_transaction``)."""
    offending = [
        f"{path.relative_to(ROOT)}:{call.lineno}"
        for path in module_sources()
        if path.name == "api.py" or path.name.endswith("_api.py")
        for call in _calls(path)
        if isinstance(call.func, ast.Name) and call.func.id == "unit_of_work"
    ]
    assert not offending


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


# -- event names -------------------------------------------------------------------------------


def event_names() -> dict[str, str]:
    """Every event name, from the ``NAME: Final = "module.thing"`` constants of the modules'
    ``events.py``: value -> where it is declared."""
    names: dict[str, str] = {}
    for path in sorted(MODULES_DIR.glob("*/events.py")):
        for node in ast.parse(path.read_text()).body:
            if (
                isinstance(node, ast.AnnAssign)
                and isinstance(node.target, ast.Name)
                and isinstance(node.value, ast.Constant)
                and isinstance(node.value.value, str)
            ):
                where = f"{path.parent.name}.events.{node.target.id}"
                assert node.value.value not in names, (
                    f"{node.value.value!r} declared twice: {names[node.value.value]}, {where}"
                )
                names[node.value.value] = where
    return names


def _docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                ids.add(id(body[0].value))
    return ids


def event_literals(path: Path, names: dict[str, str]) -> list[str]:
    """String literals naming an event, and event arguments of ``publish``/``subscriber``
    given as literals."""
    tree = ast.parse(path.read_text())
    skip = _docstrings(tree)
    rel = path.relative_to(ROOT)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
            if node.value in names:
                found.append(f"{rel}:{node.lineno}: {node.value!r} (use {names[node.value]})")
        elif isinstance(node, ast.Call):
            func = node.func
            fname = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            index = {"publish": 1, "subscriber": 0}.get(fname)
            if index is None or len(node.args) <= index:
                continue
            arg = node.args[index]
            if isinstance(arg, ast.Constant) and arg.value not in names:
                found.append(f"{rel}:{node.lineno}: {fname}({arg.value!r}) is not declared")
    return found


def test_event_names_are_declared_constants() -> None:
    names = event_names()
    assert names, "no event constants found"
    assert all(isinstance(v, str) and "." in v for v in names)
    offending = [
        hit
        for path in module_sources()
        if path.name != "events.py"
        for hit in event_literals(path, names)
    ]
    assert not offending, "name events by their events.py constants:\n" + "\n".join(offending)


def test_id_cursors_come_from_core_pagination() -> None:
    """Keyset cursors over ids are ``core.pagination.encode_id_cursor``/``decode_id_cursor``."""
    offending = []
    for path in module_sources():
        for call in _calls(path):
            func = call.func
            fname = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            single = (
                fname == "decode_cursor"
                and any(
                    k.arg == "length" and isinstance(k.value, ast.Constant) and k.value.value == 1
                    for k in call.keywords
                )
            ) or (
                fname == "encode_cursor"
                and call.args
                and isinstance(call.args[0], ast.List)
                and len(call.args[0].elts) == 1
            )
            if single:
                offending.append(f"{path.relative_to(ROOT)}:{call.lineno}: {fname}(")
    assert not offending, "use encode_id_cursor / decode_id_cursor:\n" + "\n".join(offending)


# -- file cycles -------------------------------------------------------------------------------


def file_cycles(package: str) -> list[list[str]]:
    """Groups of files of ``package`` that import each other, directly or through others
    (strongly connected components of grimp's import graph, imports inside functions and
    ``TYPE_CHECKING`` blocks included)."""
    graph = grimp.build_graph(package, cache_dir=None)
    edges = {m: sorted(graph.find_modules_directly_imported_by(m)) for m in graph.modules}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    counter = 0
    for root in sorted(edges):
        if root in index:
            continue
        work: list[tuple[str, int]] = [(root, 0)]
        while work:
            node, child = work.pop()
            if child == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            targets = edges.get(node, [])
            if child < len(targets):
                work.append((node, child + 1))
                target = targets[child]
                if target not in index:
                    work.append((target, 0))
                elif target in on_stack:
                    low[node] = min(low[node], index[target])
                continue
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    groups.append(sorted(group))
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return groups


def test_no_import_cycles_between_files() -> None:
    for package in ("shoplet", "bench"):
        assert file_cycles(package) == [], f"files of {package} that import each other"


def test_the_cycle_finder_finds_cycles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "cyclic_probe"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from cyclic_probe import b\n")
    (package / "b.py").write_text("def f() -> None:\n    from cyclic_probe import c\n")
    (package / "c.py").write_text("import cyclic_probe.a\n")
    (package / "d.py").write_text("import cyclic_probe.a\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert file_cycles("cyclic_probe") == [["cyclic_probe.a", "cyclic_probe.b", "cyclic_probe.c"]]


# -- modules, their registry and their contracts ---------------------------------------------


def test_module_folders_registry_and_layers_agree() -> None:
    folders = sorted(p.name for p in MODULES_DIR.iterdir() if (p / "__init__.py").exists())
    layered = [name for line in LAYERS for name in line]
    assert len(layered) == len(set(layered)), "a module on two lines of LAYERS"
    assert sorted(MODULES) == folders == sorted(layered)
    # MODULES (lowest first) never lists a module before one of a lower layer.
    rank = {name: depth for depth, line in enumerate(reversed(LAYERS)) for name in line}
    assert [rank[name] for name in MODULES] == sorted(rank[name] for name in MODULES)


def test_every_module_has_every_file() -> None:
    """A file may also be a package of the same name (``service/``, split by use case)."""
    missing = [
        f"{name}/{part}.py"
        for name in MODULES
        for part in MODULE_FILES
        if not (MODULES_DIR / name / f"{part}.py").exists()
        and not (MODULES_DIR / name / part / "__init__.py").exists()
    ]
    assert not missing


SERVICE_MAX_LINES = 600
SERVICE_PART_MAX_LINES = 500


def test_large_services_are_split_by_use_case() -> None:
    """A ``service.py`` past ~600 lines becomes a ``service/`` package with one file per use case
    (docs/architecture.md), each under ~500 lines; the scans above walk those files too."""
    too_long = []
    for name in MODULES:
        single = MODULES_DIR / name / "service.py"
        parts = sorted((MODULES_DIR / name / "service").glob("*.py"))
        limit = SERVICE_MAX_LINES if single.exists() else SERVICE_PART_MAX_LINES
        for path in [single] if single.exists() else parts:
            lines = len(path.read_text().splitlines())
            if lines > limit:
                too_long.append(f"{path.relative_to(ROOT)}: {lines} lines (> {limit})")
        assert not parts or set(parts) <= set(module_sources())
    assert not too_long, "split by use case:\n" + "\n".join(too_long)


def test_loading_a_missing_module_file_fails_loudly() -> None:
    assert [m.__name__ for m in load("public", ["cart"])] == ["shoplet.modules.cart.public"]
    with pytest.raises(ModuleNotFoundError):
        load("api", [*MODULES, "no_such_module"])
    with pytest.raises(ValueError, match="not a module file"):
        load("exports")


def test_generated_contracts_are_up_to_date() -> None:
    text = (ROOT / "pyproject.toml").read_text()
    assert contracts.generated_block(text) == contracts.render(), "run make contracts"
    config = tomllib.loads(text)["tool"]["importlinter"]["contracts"]
    (layers,) = [c for c in config if c["type"] == "layers"]
    named = {n.strip().strip("()") for line in layers["layers"] for n in line.split("|")}
    assert named == set(MODULES), "the layers contract names exactly the existing modules"
    for contract in config:
        assert "DESIGN.md" not in contract["name"]
        assert "docs/architecture.md" in contract["name"]
    assert (ROOT / "docs" / "architecture.md").exists()
