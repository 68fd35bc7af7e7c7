"""JSON Lines files after a crash mid-append: the torn tail is set aside, never glued to the next record."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from cin7_shopify.state.ledger import Ledger
from cin7_shopify.state.profiles import ProfileStore, StoreProfile
from cin7_shopify.state.storage import CorruptStore
from cin7_shopify.sync.journal import Journal, read_records

TORN = b'{"event":"error","id":"torn1","time":"2026-11-20T'


def test_journal_sets_a_torn_tail_aside_before_appending(tmp_path: Path) -> None:
    path = tmp_path / "errors.jsonl"
    journal = Journal(path, store="s")
    first = journal.record("unknown_sku", "#1", "first", "fix it")
    with path.open("ab") as stream:
        stream.write(TORN)  # the crash
    second = journal.record("unknown_sku", "#2", "second", "fix it")
    assert [e.id for e in journal.entries()] == [first.id, second.id]
    sides = list(tmp_path.glob("errors.jsonl.torn-*"))
    assert len(sides) == 1 and sides[0].read_bytes() == TORN
    assert path.read_bytes().count(b"\n") == 2 and path.read_bytes().endswith(b"\n")


def test_ledger_sets_a_torn_tail_aside_at_open(tmp_path: Path) -> None:
    path = tmp_path / "ledger.jsonl"
    with Ledger(path) as ledger:
        ledger.update_order("gid://shopify/Order/1", name="#1", status="held")
    with path.open("ab") as stream:
        stream.write(b'{"e":"order","order_id":"gid://shopify/Order/2","fie')
    with Ledger(path) as ledger:
        assert ledger.torn is not None and ledger.torn.name.startswith("ledger.jsonl.torn-")
        ledger.update_order("gid://shopify/Order/3", name="#3", status="imported")
    with Ledger(path) as ledger:
        assert ledger.torn is None
        assert sorted(ledger.orders) == ["gid://shopify/Order/1", "gid://shopify/Order/3"]


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        (b"{not json}\n", "not JSON"),
        (b"[1, 2]\n", "a JSON list"),
        (b'{"e":"order","fields":{}}\n', "without its 'order_id'"),
        (b'{"e":"order","order_id":"x","fields":[1]}\n', "not an event the sync wrote"),
        (b"\xff\xfe\n", "not UTF-8"),
    ],
)
def test_a_corrupt_ledger_line_stops_the_open_naming_file_and_line(tmp_path: Path, line: bytes, problem: str) -> None:
    path = tmp_path / "ledger.jsonl"
    path.write_bytes(b'{"e":"meta","values":{}}\n' + line + b'{"e":"meta","values":{}}\n')
    with pytest.raises(CorruptStore) as caught:
        Ledger(path).open()
    assert f"{path}: line 2:" in caught.value.explain() and problem in caught.value.explain()
    with Ledger(path.with_name("other.jsonl")):
        pass  # the failed open released its lock: another ledger opens
    with pytest.raises(CorruptStore):
        Ledger(path).open()  # and so did this one's: it fails again the same way, not "in use"


def test_journal_readers_skip_a_bad_line_and_say_which(tmp_path: Path) -> None:
    path = tmp_path / "errors.jsonl"
    journal = Journal(path, store="s")
    journal.record("unknown_sku", "#1", "first", "fix")
    with path.open("ab") as stream:
        stream.write(b"garbage\n[]\n" + json.dumps({"event": "error", "id": "x"}).encode() + b"\n")
    journal.record("unknown_sku", "#2", "second", "fix")
    warnings: list[str] = []
    records = list(read_records(path, warn=warnings.append))
    assert [r["ref"] for r in records] == ["#1", "#2"]
    assert [w.split(": ")[1] for w in warnings] == ["line 2", "line 3", "line 4"]
    assert all(w.startswith(str(path)) for w in warnings)


def _lines_until(process: subprocess.Popen[str], text: str) -> str:
    """What the process prints up to and including the first line holding `text`."""
    assert process.stdout is not None
    seen = ""
    for line in iter(process.stdout.readline, ""):
        seen += line
        if text in line:
            break
    return seen


def test_errors_follow_survives_bad_lines(tmp_path: Path) -> None:
    """A real process following the journal while a bad line, a torn write and good entries arrive."""
    home = tmp_path / "home"
    ProfileStore(home / "data" / "profiles.json").save(
        StoreProfile(name="shop", shop_domain="shop.myshopify.com", cin7_account_id="a")
    )
    path = home / "data" / "stores" / "shop" / "errors.jsonl"
    journal = Journal(path, store="shop")
    journal.record("unknown_sku", "#1", "before", "fix")
    env = {**os.environ, "CIN7_SHOPIFY_HOME": str(home), "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "cin7_shopify", "errors", "--store", "shop", "--follow"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    watchdog = threading.Timer(60, process.kill)  # a follower that never prints fails the test, not hangs it
    watchdog.start()
    try:
        seen = _lines_until(process, "before")  # the journal so far is out: it follows from here
        time.sleep(0.2)  # (it notes where the journal ends just after printing it)
        with path.open("ab") as stream:
            stream.write(b"{broken\n\xff\n")
        journal.record("unknown_sku", "#2", "after the bad lines", "fix")
        with path.open("ab") as stream:
            stream.write(TORN)
        journal.record("unknown_sku", "#3", "after the torn one", "fix")
        seen += _lines_until(process, "after the torn one")
    finally:
        watchdog.cancel()
        process.terminate()
        out, err = process.communicate(timeout=10)
    out = seen + out
    assert "before" in out and "after the bad lines" in out and "after the torn one" in out
    assert "Traceback" not in err
    assert "line 2: not JSON" in err and "line 3: not UTF-8 text" in err
    assert len(list(path.parent.glob("errors.jsonl.torn-*"))) == 1
