"""``make sbom``: a CycloneDX SBOM of Shoplet's Python dependencies."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

from tests.servers import ROOT


def _name(requirement: str) -> str:
    match = re.match(r"[A-Za-z0-9._-]+", requirement)
    assert match is not None
    return re.sub(r"[-_.]+", "-", match.group(0)).lower()


MAKE = shutil.which("make")


@pytest.mark.skipif(MAKE is None, reason="make is not installed")
def test_make_sbom_lists_every_dependency_with_version_and_purl(tmp_path: Path) -> None:
    assert MAKE is not None
    out = tmp_path / "sbom.cdx.json"
    # `-o dev`: the environment is the one running this test; never reinstall it from here.
    done = subprocess.run(
        [MAKE, "-s", "-o", "dev", "sbom", f"SBOM={out}", "SBOM_VALIDATE=--no-validate"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    bom = json.loads(out.read_text())
    assert bom["bomFormat"] == "CycloneDX"
    assert bom["specVersion"] in {"1.5", "1.6", "1.7"}
    assert bom["metadata"]["component"]["name"] == "shoplet"
    components = {_name(c["name"]): c for c in bom["components"]}
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    for requirement in project["dependencies"]:
        name = _name(requirement)
        assert name in components, f"{name} missing from the SBOM"
        component = components[name]
        assert component["version"]
        assert component["purl"] == f"pkg:pypi/{name}@{component['version']}"
