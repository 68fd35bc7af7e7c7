"""Which store profiles are saved, read without building them: a command naming a store that does not
exist says so at once.

Loading the profile models (pydantic), TinyDB, the clients and the keyring takes a few hundred
milliseconds; a typo in `--store` deserves its answer sooner. This reads profiles.json as plain JSON.
Anything unexpected in the file answers None: the full read (state/profiles.py) then names what is
wrong, as it always has.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from cin7_shopify.errors import ConsoleError
from cin7_shopify.paths import data_dir


def profiles_path() -> Path:
    """The saved store profiles (TinyDB's JSON, written by state/storage.py)."""
    return data_dir() / "profiles.json"


def saved_profile_names(path: Path | None = None) -> list[str] | None:
    """The names of the saved profiles, sorted; None when only the full read can say what the file holds."""
    path = path or profiles_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError):
        return None
    if not text.strip():
        return []
    try:
        data = json.loads(text)
    except ValueError:
        return None
    if not isinstance(data, dict) or not all(isinstance(table, dict) for table in data.values()):
        return None
    names = []
    for key, record in data.get("profiles", {}).items():
        if not key.isdigit() or not isinstance(record, dict) or not isinstance(record.get("name"), str):
            return None
        names.append(record["name"])
    return sorted(names)


def unknown_store(name: str, known: Iterable[str]) -> ConsoleError:
    """The one way every command and the console say a store name is not known."""
    listed = ", ".join(known) or "none yet"
    return ConsoleError(
        f"No store named '{name}' (stores: {listed}).",
        hint="Add one with `cin7-shopify store add`, or in the console's connection setup.",
    )
