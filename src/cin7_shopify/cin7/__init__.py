"""Cin7 Core API v2: async client, pacer and payload models.

The names below load on first use (PEP 562), so importing the light pacer does not load httpx and
the models: a command that fails fast stays fast.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cin7_shopify.cin7.client import Cin7Client
    from cin7_shopify.cin7.errors import Cin7AuthError, Cin7Error
    from cin7_shopify.cin7.pacer import Cin7Pacer, PacerRegistry

_WHERE = {
    "Cin7AuthError": "errors",
    "Cin7Client": "client",
    "Cin7Error": "errors",
    "Cin7Pacer": "pacer",
    "PacerRegistry": "pacer",
}
__all__ = ["Cin7AuthError", "Cin7Client", "Cin7Error", "Cin7Pacer", "PacerRegistry"]


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(import_module(f"{__name__}.{_WHERE[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
