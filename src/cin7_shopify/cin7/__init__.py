"""Cin7 Core API v2: async client, pacer and payload models."""

from cin7_shopify.cin7.client import Cin7Client
from cin7_shopify.cin7.errors import Cin7AuthError, Cin7Error
from cin7_shopify.cin7.pacer import Cin7Pacer, PacerRegistry

__all__ = ["Cin7AuthError", "Cin7Client", "Cin7Error", "Cin7Pacer", "PacerRegistry"]
