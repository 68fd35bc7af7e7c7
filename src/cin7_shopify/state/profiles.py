"""Store profiles: one Shopify store and the Cin7 Core account it syncs with, with its settings.

Saved with TinyDB through the crash-safe storage; never any secret (those live in the keyring).
Several profiles may share one Cin7 Core account; each keeps its own settings.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from tinydb import Query, TinyDB

from cin7_shopify.errors import ConsoleError
from cin7_shopify.settings import StoreSettings
from cin7_shopify.shopify.domain import DEFAULT_API_VERSION, normalize_shop_domain
from cin7_shopify.state.profile_names import profiles_path
from cin7_shopify.state.storage import CrashSafeStorage, WriterLock

_PROFILE_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


class ProfileError(ConsoleError):
    pass


class StoreProfile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    shop_domain: str
    shopify_auth: Literal["token", "client_credentials"] = "token"
    shopify_client_id: str | None = None
    api_version: str = DEFAULT_API_VERSION
    cin7_account_id: str
    cin7_calls_per_minute: int = Field(default=60, ge=1, le=10_000)  # Cin7's limit; a sandbox may allow more
    cin7_base_url: str | None = None  # only for sandboxes; the real API's address is built in
    shopify_base_url: str | None = None
    settings: StoreSettings = Field(default_factory=StoreSettings)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _PROFILE_NAME.match(value):
            raise ValueError("use lower-case letters, digits and dashes, e.g. demo-apparel")
        return value

    @field_validator("shop_domain")
    @classmethod
    def _domain(cls, value: str) -> str:
        try:
            return normalize_shop_domain(value)
        except ConsoleError as exc:
            raise ValueError(exc.message) from None

    @field_validator("api_version")
    @classmethod
    def _version(cls, value: str) -> str:
        if not re.match(r"^(\d{4}-(01|04|07|10)|unstable)$", value):
            raise ValueError("Shopify API versions look like 2026-10")
        return value


class ProfileStore:
    def __init__(self, path: Path | None = None) -> None:
        self.path = path or profiles_path()

    @contextmanager
    def _db(self, *, write: bool) -> Iterator[TinyDB]:
        lock = WriterLock(self.path) if write else None
        if lock:
            lock.acquire()
        db = TinyDB(self.path, storage=CrashSafeStorage)
        try:
            yield db
        finally:
            db.close()
            if lock:
                lock.release()

    def list(self) -> list[StoreProfile]:
        if not self.path.exists():
            return []
        with self._db(write=False) as db:
            return sorted((self._profile(doc) for doc in db.table("profiles").all()), key=lambda p: p.name)

    def _profile(self, doc: dict[str, object]) -> StoreProfile:
        """One saved profile, or an error naming the file, the profile, the field and what to do."""
        try:
            return StoreProfile.model_validate(doc)
        except ValidationError as exc:
            err = exc.errors()[0]
            field = ".".join(str(part) for part in err["loc"]) or "the record"
            name = doc.get("name") if isinstance(doc.get("name"), str) else None
            which = f"profile '{name}'" if name else f"record {getattr(doc, 'doc_id', '?')}"
            problem = str(err["msg"]).removeprefix("Value error, ")
            raise ProfileError(
                f"{self.path}: {which}: {field}: {problem}.",
                hint="Correct that field in the file, or delete the profile from it and add the store again in "
                "the console.",
            ) from None

    def get(self, name: str) -> StoreProfile:
        for profile in self.list():
            if profile.name == name:
                return profile
        known = ", ".join(p.name for p in self.list()) or "none yet"
        raise ProfileError(
            f"No store profile named '{name}' (saved profiles: {known}).",
            hint="Add one in the console's connection setup.",
        )

    def save(self, profile: StoreProfile) -> None:
        with self._db(write=True) as db:
            db.table("profiles").upsert(profile.model_dump(mode="json"), Query().name == profile.name)

    def delete(self, name: str) -> None:
        with self._db(write=True) as db:
            db.table("profiles").remove(Query().name == name)

    def other_location_maps(self, profile: StoreProfile) -> dict[str, dict[str, str]]:
        """Location maps of the other stores on the same Cin7 Core account."""
        return {
            other.name: other.settings.location_map
            for other in self.list()
            if other.name != profile.name and other.cin7_account_id.lower() == profile.cin7_account_id.lower()
        }
