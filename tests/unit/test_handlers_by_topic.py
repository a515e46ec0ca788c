"""``handlers/`` holds one ``on_<topic>`` module per subscribed topic: each module of
identity, billing, request-review, evaluation and trading-bridge takes only event types
of the topic its name says, and the service's ``handlers(ctx)`` is exactly their union."""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType
from typing import Any, cast

import pytest

from contracts.topics import topic_for
from libs.service import ServiceContext

SERVICES_IN_SHAPE = ("identity", "billing", "request_review", "evaluation", "trading_bridge")


def topic_modules(service: str) -> dict[str, ModuleType]:
    package = importlib.import_module(f"services.{service}.handlers")
    return {
        info.name: importlib.import_module(f"{package.__name__}.{info.name}")
        for info in pkgutil.iter_modules(package.__path__)
        if info.name.startswith("on_")
    }


def event_types(module: ModuleType) -> list[str]:
    """What one ``on_<topic>`` module takes: its ``ROUTES`` keys (or, in evaluation, where
    every event is recorded as a fact alike, its ``CONSUMED``)."""
    routes = getattr(module, "ROUTES", None)
    return list(routes) if routes is not None else list(module.CONSUMED)


@pytest.mark.parametrize("service", SERVICES_IN_SHAPE)
def test_each_on_topic_module_takes_only_its_topics_events(service: str) -> None:
    modules = topic_modules(service)
    assert modules, f"{service} has no on_<topic> module"
    for name, module in modules.items():
        topics = {f"on_{topic_for(t).segment}_{topic_for(t).stream}" for t in event_types(module)}
        assert topics == {name.replace("-", "_")}, (service, name, topics)


@pytest.mark.parametrize("service", SERVICES_IN_SHAPE)
def test_the_services_handlers_are_exactly_the_union_of_its_topic_modules(service: str) -> None:
    package = importlib.import_module(f"services.{service}.handlers")
    bound = package.handlers(cast(ServiceContext, cast(Any, None)))
    declared = [t for m in topic_modules(service).values() for t in event_types(m)]
    assert sorted(bound) == sorted(declared)
    assert len(declared) == len(set(declared))
