"""A merchant's own OpenFeature provider, registered by ``SHOPLET_FLAGS_PROVIDER`` instead of
Shoplet's: code asking through the OpenFeature client gets that provider's answers."""

from __future__ import annotations

from typing import Any

import pytest
from openfeature import api as openfeature
from openfeature.provider import FeatureProvider
from openfeature.provider.in_memory_provider import InMemoryFlag, InMemoryProvider

from shoplet.core.settings import Settings


def provider() -> FeatureProvider:
    return InMemoryProvider({"new_checkout": InMemoryFlag("on", {"on": True, "off": False})})


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"flags_provider": f"{__name__}:provider"}


async def test_plugged_provider_answers(app: object) -> None:
    assert openfeature.get_provider_metadata().name == "In-Memory Provider"
    assert openfeature.get_client().get_boolean_value("new_checkout", False) is True


def test_setting_is_checked() -> None:
    with pytest.raises(ValueError, match="flags_provider"):
        Settings(flags_provider="not a path; rm -rf")
