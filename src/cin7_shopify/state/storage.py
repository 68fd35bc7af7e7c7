"""A TinyDB storage that a crash cannot corrupt, and a lock so two processes never write at once.

Every write goes to a temporary file in the same folder, is fsynced, then renamed over the old
file (atomic on POSIX and Windows), and the folder is fsynced so the rename itself survives a power
cut. Readers therefore see either the old file or the new one, never half of one.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from types import TracebackType
from typing import Any

from tinydb.storages import Storage

from cin7_shopify.errors import ConsoleError


class StoreLocked(ConsoleError):
    hint = "Another cin7-shopify process is writing to this store; wait for it to finish or stop it."


class CorruptStore(ConsoleError):
    hint = "Restore the file from a backup, or move it aside to start afresh."


class CrashSafeStorage(Storage):
    def __init__(self, path: str | Path) -> None:
        super().__init__()
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)

    def read(self) -> dict[str, dict[str, Any]] | None:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        if not text.strip():
            return None
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise CorruptStore(f"{self.path} is not valid JSON (line {exc.lineno}).") from None
        if not isinstance(data, dict):
            raise CorruptStore(f"{self.path} does not hold a TinyDB database.")
        return data

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        write_atomically(self.path, json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False))

    def close(self) -> None:
        pass


def write_atomically(path: Path, text: str) -> None:
    """The one way the tool writes a whole file: a temporary file beside the target (owner-only),
    fsynced, renamed over it, and the folder fsynced, so a crash leaves the old file or the new one."""
    target = path.expanduser()
    if target.is_dir():
        raise ConsoleError(f"{target} is a folder.", hint="Give a file name, e.g. --out report.md")
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.exists():
        raise ConsoleError(f"The folder {folder} does not exist.", hint="Create it first or choose another path.")
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    _fsync_folder(folder)


def _fsync_folder(folder: Path) -> None:
    if os.name != "posix":
        return  # Windows cannot open a folder for fsync; its rename is already durable
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


class WriterLock:
    """An exclusive, non-blocking lock on `<file>.lock`, released when the process dies.

    The holder writes its pid (and `owner`, a name a person knows it by) into the lock file, so a
    refused process can say who holds it.
    """

    def __init__(self, path: Path, *, owner: str = "") -> None:
        self.path = path.with_name(path.name + ".lock")
        self.owner = owner
        self._descriptor: int | None = None

    def holder(self) -> str:
        """Who holds the lock, as the holder wrote it: "pid owner" (may be empty or stale)."""
        try:
            return self.path.read_text(encoding="utf-8").strip()
        except OSError:
            return ""

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            _lock(descriptor)
        except OSError:
            os.close(descriptor)
            raise StoreLocked(f"{self.path.with_suffix('')} is in use by another process.") from None
        os.ftruncate(descriptor, 0)
        os.write(descriptor, f"{os.getpid()} {self.owner}".strip().encode())
        self._descriptor = descriptor

    def release(self) -> None:
        if self._descriptor is not None:
            _unlock(self._descriptor)
            os.close(self._descriptor)
            self._descriptor = None

    def __enter__(self) -> WriterLock:
        self.acquire()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.release()


if os.name == "posix":
    import fcntl

    def _lock(descriptor: int) -> None:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)

    def _unlock(descriptor: int) -> None:
        fcntl.flock(descriptor, fcntl.LOCK_UN)

else:  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _lock(descriptor: int) -> None:
        msvcrt.locking(descriptor, msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]

    def _unlock(descriptor: int) -> None:
        msvcrt.locking(descriptor, msvcrt.LK_UNLCK, 1)  # type: ignore[attr-defined]
