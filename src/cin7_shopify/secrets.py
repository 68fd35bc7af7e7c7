"""Credentials per store profile, kept in the OS keyring behind one small interface.

Secrets live only in the keyring (or, where a machine has none, in environment variables the
consultant sets); never in files, logs, screens or error text. In memory they are SecretStr.
"""

from __future__ import annotations

import contextlib
import os
import re
from typing import Protocol

from pydantic import SecretStr

from cin7_shopify.errors import ConsoleError

SERVICE = "cin7-shopify-console"
SECRET_NAMES = ("shopify_access_token", "shopify_client_secret", "cin7_application_key")


class NoKeyringBackend(ConsoleError):
    """This machine has no OS keyring (typical of headless Linux)."""


class SecretStore(Protocol):
    def get(self, profile: str, name: str) -> SecretStr | None: ...

    def set(self, profile: str, name: str, value: str) -> None: ...

    def delete(self, profile: str, name: str) -> None: ...


def environment_variable(profile: str, name: str) -> str:
    """The documented fallback, e.g. CIN7_SHOPIFY_DEMO_APPAREL_SHOPIFY_ACCESS_TOKEN."""
    slug = re.sub(r"[^A-Za-z0-9]+", "_", profile).strip("_").upper()
    return f"CIN7_SHOPIFY_{slug}_{name.upper()}"


def _check_name(name: str) -> None:
    if name not in SECRET_NAMES:
        raise ValueError(f"unknown secret name {name!r}")


class KeyringStore:
    """The OS keyring: macOS Keychain, Windows Credential Locker, Secret Service or KWallet on Linux."""

    def __init__(self) -> None:
        import keyring
        from keyring.backends import fail

        self._keyring = keyring
        backend = keyring.get_keyring()
        if isinstance(backend, fail.Keyring) or getattr(backend, "priority", 1) <= 0:
            raise NoKeyringBackend(
                "No OS keyring is available on this machine, so credentials cannot be saved.",
                hint=(
                    "Install and unlock a Secret Service keyring (e.g. gnome-keyring), or set the "
                    "credentials as environment variables such as "
                    f"{environment_variable('my-store', 'shopify_access_token')} before starting."
                ),
            )

    def get(self, profile: str, name: str) -> SecretStr | None:
        _check_name(name)
        value = self._keyring.get_password(SERVICE, f"{profile}:{name}")
        return SecretStr(value) if value else None

    def set(self, profile: str, name: str, value: str) -> None:
        _check_name(name)
        self._keyring.set_password(SERVICE, f"{profile}:{name}", value)

    def delete(self, profile: str, name: str) -> None:
        _check_name(name)
        from keyring.errors import PasswordDeleteError

        with contextlib.suppress(PasswordDeleteError):  # already absent is fine
            self._keyring.delete_password(SERVICE, f"{profile}:{name}")


class EnvironmentStore:
    """Read-only fallback for machines without a keyring: one environment variable per secret."""

    def get(self, profile: str, name: str) -> SecretStr | None:
        _check_name(name)
        value = os.environ.get(environment_variable(profile, name))
        return SecretStr(value) if value else None

    def set(self, profile: str, name: str, value: str) -> None:
        raise NoKeyringBackend(
            "No OS keyring is available, so the tool cannot save this credential.",
            hint=f"Set the environment variable {environment_variable(profile, name)} instead.",
        )

    def delete(self, profile: str, name: str) -> None:
        raise NoKeyringBackend(
            "No OS keyring is available, so there is nothing saved to delete.",
            hint=f"Unset the environment variable {environment_variable(profile, name)}.",
        )


def default_store() -> tuple[SecretStore, str | None]:
    """The keyring if there is one; otherwise the environment, with the notice to show the user."""
    try:
        return KeyringStore(), None
    except NoKeyringBackend as exc:
        return EnvironmentStore(), exc.explain()
