"""Every flow by name, so a conversation saved as ("onboarding", "sector") finds its step again.

Each flow module calls `register` when imported; `MODULES` lists them so the registry is complete
before the first message is handled. A new flow adds its module here.
"""

from __future__ import annotations

import importlib

from flows.steps import Step

MODULES = (
    "flows.home",
    "flows.onboarding",
    "flows.nudges",
    "flows.sessions",
    "flows.coordinator_chat",
    "flows.introductions",
    "flows.pair_requests",
    "flows.cohort_join",
    "flows.match_review",
    "flows.tips",
    "flows.problems",
    "flows.checkin",
    "flows.survey",
    "flows.pulse",
)

_FLOWS: dict[str, dict[str, Step]] = {}
_loaded = False


def register(name: str, steps: dict[str, Step]) -> None:
    _FLOWS[name] = steps


def exists(flow: str, step: str) -> bool:
    _load()
    return step in _FLOWS.get(flow, {})


def step(flow: str, name: str) -> Step:
    _load()
    return _FLOWS[flow][name]


def flows() -> dict[str, dict[str, Step]]:
    _load()
    return dict(_FLOWS)


def _load() -> None:
    global _loaded
    if not _loaded:
        for module in MODULES:
            importlib.import_module(module)
        _loaded = True
