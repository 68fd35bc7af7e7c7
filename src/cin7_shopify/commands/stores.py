"""Commands that run against a saved store profile."""

from __future__ import annotations

from cin7_shopify.audit.service import AuditRun, Step, audit_with_clients
from cin7_shopify.connections import open_profile_clients
from cin7_shopify.secrets import default_store
from cin7_shopify.state.profiles import ProfileStore


async def audit_store(name: str, *, on_step: Step | None = None) -> AuditRun:
    profiles = ProfileStore()
    profile = profiles.get(name)
    secrets, _ = default_store()
    cin7, shopify = open_profile_clients(profile, secrets)
    async with cin7, shopify:
        return await audit_with_clients(
            cin7,
            shopify,
            profile.settings,
            store=profile.name,
            other_stores=profiles.other_location_maps(profile),
            on_step=on_step,
        )
