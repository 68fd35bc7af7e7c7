"""How a command reaches its store: a session from the workspace (saved profiles) or a scenario."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from cin7_shopify.workspace import StoreSession, Workspace


def store_session(name: str) -> StoreSession:
    """A saved store, with its credentials from the keyring or the environment."""
    return Workspace().session(name)


@contextmanager
def scenario_session(folder: Path) -> Iterator[StoreSession]:
    """A scenario folder in both sandboxes on the simulated clock; its state is removed afterwards."""
    from cin7_shopify.sandbox.store import scenario_workspace

    workspace, store = scenario_workspace(folder)
    try:
        yield workspace.session(store.profile.name)
    finally:
        workspace.close()
