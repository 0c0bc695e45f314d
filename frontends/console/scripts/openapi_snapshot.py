"""Write (or check) the console's snapshot of the backend OpenAPI schema.

The console's API client is checked against ``src/api/openapi.json``: vue-tsc against the types
generated from it (``npm run gen:api``), vitest against the path+method of every operation the
client declares. This script renders that file from ``create_app().openapi()``:

    .venv/bin/python frontends/console/scripts/openapi_snapshot.py          # rewrite the snapshot
    .venv/bin/python frontends/console/scripts/openapi_snapshot.py --check  # exit 1 when stale

``tests/e2e/test_console_openapi.py`` runs the same check in pytest (``make console-openapi``
rewrites the snapshot and regenerates the TypeScript types).
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

SNAPSHOT = Path(__file__).resolve().parents[1] / "src" / "api" / "openapi.json"


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
