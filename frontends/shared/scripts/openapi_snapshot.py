"""Write (or check) the one snapshot of the backend OpenAPI schema both front ends use.

``frontends/shared/src/openapi.json`` is what the storefront and the console are checked
against: the console's vue-tsc against the TypeScript types generated from it
(``src/schema.d.ts``, ``npm run gen:api`` in the console), both vitest suites against every
operation their API clients declare. This script renders it from ``create_app().openapi()``:

    .venv/bin/python frontends/shared/scripts/openapi_snapshot.py          # rewrite the snapshot
    .venv/bin/python frontends/shared/scripts/openapi_snapshot.py --check  # exit 1 when stale

``tests/e2e/test_console_openapi.py`` runs the same check in pytest (``make console-openapi``,
alias ``make storefront-openapi``, rewrites the snapshot and regenerates the TypeScript types).
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

SNAPSHOT = Path(__file__).resolve().parents[1] / "src" / "openapi.json"


def render() -> str:
    """The schema of an embedded-mode app, as stable, diff-friendly JSON."""
    from shoplet.app import create_app
    from shoplet.core.settings import Settings

    with tempfile.TemporaryDirectory() as data_dir:
        app = create_app(Settings(env="embedded", data_dir=Path(data_dir)))
        schema = app.openapi()
    return json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def main(argv: list[str]) -> int:
    fresh = render()
    current = SNAPSHOT.read_text(encoding="utf-8") if SNAPSHOT.exists() else ""
    if "--check" in argv:
        if current != fresh:
            sys.stderr.write(f"{SNAPSHOT} is stale: run `make console-openapi`\n")
            return 1
        return 0
    if current != fresh:
        SNAPSHOT.write_text(fresh, encoding="utf-8")
        sys.stdout.write(f"updated {SNAPSHOT}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
