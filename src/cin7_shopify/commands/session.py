"""How a command reaches its store: a session from the workspace (saved profiles) or a scenario."""

from __future__ import annotations

import gc
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
    # The sandboxes' records live as long as the command: kept out of the cycle collector's walks
    # meanwhile (a 100,000-variant scenario is millions of objects, walked again by every full collection).
    gc.freeze()
    try:
        yield workspace.session(store.profile.name)
    finally:
        gc.unfreeze()
        workspace.close()
