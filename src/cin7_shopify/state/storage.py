"""A TinyDB storage that a crash cannot corrupt, and a lock so two processes never write at once.

Every write goes to a temporary file in the same folder, is fsynced, then renamed over the old
file (atomic on POSIX and Windows), and the folder is fsynced so the rename itself survives a power
cut. Readers therefore see either the old file or the new one, never half of one.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, TextIO

from tinydb.storages import Storage

from cin7_shopify.errors import ConsoleError
from cin7_shopify.paths import private_folder


class StoreLocked(ConsoleError):
    hint = "Another cin7-shopify process is writing to this store; wait for it to finish or stop it."


class CorruptStore(ConsoleError):
    hint = "Restore the file from a backup, or move it aside to start afresh."


class CrashSafeStorage(Storage):
    def __init__(self, path: str | Path) -> None:
        super().__init__()
        self.path = Path(path)
        private_folder(self.path.parent)

    def read(self) -> dict[str, dict[str, Any]] | None:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except IsADirectoryError:
            raise CorruptStore(f"{self.path} is a folder, not a file.") from None
        except UnicodeDecodeError as exc:
            raise CorruptStore(f"{self.path}: not UTF-8 text (byte {exc.start}).") from None
        except OSError as exc:
            raise CorruptStore(f"{self.path} cannot be read ({exc.strerror}).") from None
        if not text.strip():
            return None
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise CorruptStore(
                f"{self.path} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}); "
                "it may have been cut short."
            ) from None
        if not isinstance(data, dict):
            raise CorruptStore(f"{self.path} holds a JSON {type(data).__name__}, not this tool's tables.")
        # TinyDB trusts the shape: a table that is not {id: {record}} fails deep inside it later.
        for table, records in data.items():
            if not isinstance(records, dict):
                raise CorruptStore(f"{self.path}: table '{table}' is a JSON {type(records).__name__}, not records.")
            for key, record in records.items():
                if not isinstance(record, dict) or not key.isdigit():
                    raise CorruptStore(f"{self.path}: table '{table}', record {key!r} is not a record.")
        return data

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        write_atomically(self.path, json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False))

    def close(self) -> None:
        pass


def open_private_append(path: Path) -> TextIO:
    """An append-only text file, created readable and writable by the owner only."""
    private_folder(path.parent)
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    return os.fdopen(descriptor, "a", encoding="utf-8")


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


def set_torn_tail_aside(path: Path) -> Path | None:
    """Move a torn last line (a crash came mid-append) to `<file>.torn-<time>` beside the file.

    Appending after a torn line would glue the next record to it and lose both; the torn bytes are
    kept, not deleted, so nothing is lost that someone may want to read. Call it while holding the
    file's writer lock. Returns the side file, or None when the file ends cleanly.
    """
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return None
    if size == 0:
        return None
    with path.open("rb+") as stream:
        stream.seek(size - 1)
        if stream.read(1) == b"\n":
            return None
        stream.seek(0)
        data = stream.read()
        keep = data.rfind(b"\n") + 1
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        side = path.with_name(f"{path.name}.torn-{stamp}")
        counter = 1
        while side.exists():
            counter += 1
            side = path.with_name(f"{path.name}.torn-{stamp}-{counter}")
        with side.open("wb") as torn:
            torn.write(data[keep:])
            torn.flush()
            os.fsync(torn.fileno())
        stream.truncate(keep)
        stream.flush()
        os.fsync(stream.fileno())
    return side


@contextmanager
def append_lock(path: Path) -> Iterator[None]:
    """Wait for other appenders to `path` (a few milliseconds each) and keep them out meanwhile."""
    private_folder(path.parent)
    descriptor = os.open(path.with_name(path.name + ".append-lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        _lock_waiting(descriptor)
        yield
    finally:
        _unlock(descriptor)
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
        private_folder(self.path.parent)
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

    def _lock_waiting(descriptor: int) -> None:
        fcntl.flock(descriptor, fcntl.LOCK_EX)

else:  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _lock(descriptor: int) -> None:
        msvcrt.locking(descriptor, msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]

    def _unlock(descriptor: int) -> None:
        msvcrt.locking(descriptor, msvcrt.LK_UNLCK, 1)  # type: ignore[attr-defined]

    def _lock_waiting(descriptor: int) -> None:
        msvcrt.locking(descriptor, msvcrt.LK_LOCK, 1)  # type: ignore[attr-defined]
