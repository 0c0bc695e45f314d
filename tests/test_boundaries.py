"""Every module file except ``public.py`` is protected by an import-linter contract.

import-linter's ``protected`` contracts list module files explicitly; this test fails when a new
file appears in a module without being listed, so the boundary cannot rot silently.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MODULES_DIR = ROOT / "src" / "shoplet" / "modules"


def _internal_modules(module: Path) -> set[str]:
    names = set()
    for path in module.rglob("*.py"):
        rel = path.relative_to(MODULES_DIR.parent.parent).with_suffix("")
        dotted = ".".join(rel.parts)
        if path.name in ("public.py", "__init__.py") and path.parent == module:
            continue
        if path.name == "__init__.py":
            dotted = dotted.removesuffix(".__init__")
        names.add(dotted)
    return names


def test_every_internal_module_file_is_protected() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    contracts = config["tool"]["importlinter"]["contracts"]
    protected: dict[str, set[str]] = {}
    for contract in contracts:
        if contract["type"] == "protected":
            for name in contract["protected_modules"]:
                # shoplet.modules.<module>.<file>[.<file of a package such as service/>]
                owner = ".".join(name.split(".")[:3])
                protected.setdefault(owner, set()).add(name)
    for module in sorted(p for p in MODULES_DIR.iterdir() if (p / "public.py").exists()):
        key = f"shoplet.modules.{module.name}"
        missing = _internal_modules(module) - protected.get(key, set())
        assert not missing, f"add to the {module.name} contract (make contracts): {sorted(missing)}"
