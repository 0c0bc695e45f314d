"""Shoplet's OpenFeature provider: resolves flags from the process's ``FlagStore`` (in memory,
no I/O per call), so Shoplet code asks through the vendor-neutral API::

    from openfeature import api
    client = api.get_client()
    client.get_boolean_value("new_checkout", False, EvaluationContext("42", {"member_id": 42}))

Context: ``targeting_key`` is the unit hashed for percentage rules (member id, else device id);
attributes ``member_id`` (int), ``is_staff`` (bool), ``platform`` and ``app_version`` (str),
``segment_ids`` (the member's analytics segments, list of int; absent: the store's callback).

A merchant who runs another flag service sets ``SHOPLET_FLAGS_PROVIDER=package.module:factory``:
``factory()`` returns any OpenFeature provider, registered instead of this one at start-up."""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, TypeVar

from fastapi import FastAPI
from openfeature import api as openfeature_api
from openfeature.evaluation_context import EvaluationContext
from openfeature.exception import ErrorCode
from openfeature.flag_evaluation import FlagResolutionDetails, FlagValueType
from openfeature.provider import AbstractProvider, FeatureProvider
from openfeature.provider._registry import provider_registry
from openfeature.provider.metadata import Metadata

from shoplet.core.context import AppContext

from .evaluate import FlagContext
from .runtime import FlagStore, bus_of, store_of

T = TypeVar("T")


def flag_context(context: EvaluationContext | None) -> FlagContext:
    if context is None:
        return FlagContext()
    attrs = context.attributes
    member = attrs.get("member_id")
    platform = attrs.get("platform")
    version = attrs.get("app_version")
    member_id = member if isinstance(member, int) and not isinstance(member, bool) else None
    unit = context.targeting_key or (str(member_id) if member_id is not None else None)
    listed = attrs.get("segment_ids")
    segments = (
        frozenset(s for s in listed if isinstance(s, int) and not isinstance(s, bool))
        if isinstance(listed, list)
        else None
    )
    return FlagContext(
        unit=unit,
        member_id=member_id,
        is_staff=attrs.get("is_staff") is True,
        platform=platform if isinstance(platform, str) else None,
        app_version=version if isinstance(version, str) else None,
        segments=segments,
    )


class ShopletProvider(AbstractProvider):
    def __init__(self, store: FlagStore) -> None:
        super().__init__()
        self.store = store

    def get_metadata(self) -> Metadata:
        return Metadata(name="shoplet")

    def _resolve(
        self, key: str, default: T, kind: type, context: EvaluationContext | None
    ) -> FlagResolutionDetails[T]:
        flag = self.store.ruleset.flags.get(key)
        if flag is None:
            return FlagResolutionDetails(
                default,
                error_code=ErrorCode.FLAG_NOT_FOUND,
                error_message=f"no flag {key!r}",
                reason="ERROR",
            )
        resolution = self.store.evaluate(key, flag_context(context))
        if resolution is None or type(resolution.value) is not kind:
            return FlagResolutionDetails(
                default,
                error_code=ErrorCode.TYPE_MISMATCH,
                error_message=f"{key!r} is a {flag.kind} flag",
                reason="ERROR",
            )
        return FlagResolutionDetails(
            resolution.value,  # type: ignore[arg-type]
            variant=resolution.variant,
            reason=resolution.reason,
            flag_metadata={"version": self.store.ruleset.version},
        )

    def resolve_boolean_details(
        self,
        flag_key: str,
        default_value: bool,
        evaluation_context: EvaluationContext | None = None,
    ) -> FlagResolutionDetails[bool]:
        return self._resolve(flag_key, default_value, bool, evaluation_context)

    def resolve_string_details(
        self, flag_key: str, default_value: str, evaluation_context: EvaluationContext | None = None
    ) -> FlagResolutionDetails[str]:
        return self._resolve(flag_key, default_value, str, evaluation_context)

    def resolve_integer_details(
        self, flag_key: str, default_value: int, evaluation_context: EvaluationContext | None = None
    ) -> FlagResolutionDetails[int]:
        return self._resolve(flag_key, default_value, int, evaluation_context)

    def resolve_float_details(
        self,
        flag_key: str,
        default_value: float,
        evaluation_context: EvaluationContext | None = None,
    ) -> FlagResolutionDetails[float]:
        return self._resolve(flag_key, default_value, float, evaluation_context)

    def resolve_object_details(
        self,
        flag_key: str,
        default_value: Sequence[FlagValueType] | Mapping[str, FlagValueType],
        evaluation_context: EvaluationContext | None = None,
    ) -> FlagResolutionDetails[Sequence[FlagValueType] | Mapping[str, FlagValueType]]:
        return self._resolve(flag_key, default_value, dict, evaluation_context)


def build_provider(spec: str | None, store: FlagStore) -> FeatureProvider:
    """Shoplet's provider, or the merchant's (``"package.module:factory"``)."""
    if not spec:
        return ShopletProvider(store)
    module_name, _, attr = spec.partition(":")
    factory: Any = getattr(importlib.import_module(module_name), attr or "provider")
    provider: FeatureProvider = factory()
    return provider


async def startup(app: FastAPI, ctx: AppContext) -> Callable[[], Awaitable[None]]:
    """Load the flags, follow their changes, and register the OpenFeature provider (API and
    worker alike: both enter the same lifespan)."""
    store = store_of(ctx)
    await store.start()
    provider = build_provider(ctx.settings.flags_provider, store)
    openfeature_api.set_provider(provider)

    async def stop() -> None:
        await store.stop()
        await bus_of(ctx).drain()
        if provider_registry.get_default_provider() is provider:
            openfeature_api.clear_providers()

    return stop
