"""Store profiles: saved per store, validated, crash-safe, one writer at a time, never a secret."""

from __future__ import annotations

import json
import os
import select
import signal
import time
from pathlib import Path

import pytest
from pydantic import ValidationError

from cin7_shopify.settings import StoreSettings
from cin7_shopify.state.profiles import ProfileError, ProfileStore, StoreProfile
from cin7_shopify.state.storage import StoreLocked, WriterLock


def profile(name: str = "demo-apparel", account: str = "acc-1", **settings: object) -> StoreProfile:
    return StoreProfile(
        name=name,
        shop_domain=f"{name}.myshopify.com",
        cin7_account_id=account,
        settings=StoreSettings.from_json_dict(dict(settings)),
    )


def test_profiles_round_trip_with_their_own_settings(tmp_path: Path) -> None:
    store = ProfileStore(tmp_path / "profiles.json")
    store.save(profile("store-au", order_trigger="created", location_map={"gid://shopify/Location/1": "Main"}))
    store.save(profile("store-nz", order_trigger="paid"))
    store.save(profile("store-au", order_trigger="fulfilled"))  # saving again replaces
    assert [p.name for p in store.list()] == ["store-au", "store-nz"]
    assert store.get("store-au").settings.order_trigger == "fulfilled"
    assert store.get("store-nz").settings.order_trigger == "paid"
    store.delete("store-nz")
    with pytest.raises(ProfileError, match="No store profile named 'store-nz' \\(saved profiles: store-au\\)"):
        store.get("store-nz")


def test_stores_sharing_a_cin7_account_see_each_others_locations(tmp_path: Path) -> None:
    store = ProfileStore(tmp_path / "profiles.json")
    au = profile("store-au", account="ACC-1", location_map={"gid://shopify/Location/1": "Main"})
    store.save(au)
    store.save(profile("store-nz", account="acc-1", location_map={"gid://shopify/Location/9": "Main"}))
    store.save(profile("other", account="acc-2", location_map={"gid://shopify/Location/5": "Main"}))
    assert store.other_location_maps(au) == {"store-nz": {"gid://shopify/Location/9": "Main"}}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "Demo Apparel", "lower-case letters, digits and dashes"),
        ("shop_domain", "demo.com", "is not a Shopify shop domain"),
        ("api_version", "2026-11", "look like 2026-10"),
    ],
)
def test_bad_profiles_are_refused(field: str, value: str, message: str) -> None:
    data = {"name": "demo", "shop_domain": "demo.myshopify.com", "cin7_account_id": "a", field: value}
    with pytest.raises(ValidationError, match=message):
        StoreProfile.model_validate(data)


def test_a_second_writer_is_refused_plainly(tmp_path: Path) -> None:
    path = tmp_path / "profiles.json"
    with WriterLock(path), pytest.raises(StoreLocked) as caught:
        ProfileStore(path).save(profile())
    assert "in use by another process" in caught.value.explain()
    ProfileStore(path).save(profile())  # free again once the first writer is done


def start_writer(path: Path) -> tuple[int, int]:
    """A real process that saves the profile in a loop until it is killed: (its pid, a pipe it ticks on).

    Forked from this one, so it has the store already imported (a fresh interpreter spends ~0.3 s
    importing pydantic and the models); it never returns into the test process.
    """
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the writer
        try:
            os.close(read_end)
            store = ProfileStore(path)
            n = 0
            while True:
                n += 1
                tags = [f"tag-{n}-{i}" for i in range(400)]  # big enough that a write takes a while
                store.save(
                    StoreProfile(
                        name="demo",
                        shop_domain="demo.myshopify.com",
                        cin7_account_id="a",
                        settings=StoreSettings(exclude_tags=tags),
                    )
                )
                os.write(write_end, b".")
        finally:
            os._exit(1)
    os.close(write_end)
    return pid, read_end


def test_the_store_file_survives_a_kill_during_a_write(tmp_path: Path) -> None:
    path = tmp_path / "profiles.json"
    ProfileStore(path).save(profile("demo"))
    for trial in range(8):
        pid, ticks = start_writer(path)
        # It is writing in a loop now. A forked child that never ticks (a lock another thread held at the fork)
        # fails the test instead of hanging it.
        ready, _, _ = select.select([ticks], [], [], 30)
        assert ready and os.read(ticks, 1), "the forked writer never started writing"
        time.sleep(0.01 * trial)
        os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
        os.close(ticks)
        assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
        text = path.read_text()
        json.loads(text)  # never half-written
        saved = ProfileStore(path).get("demo")
        assert saved.settings.exclude_tags == [] or len(saved.settings.exclude_tags) == 400
        leftovers = [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
        for leftover in leftovers:  # a killed writer may leave its temporary file; the store ignores it
            leftover.unlink()
    ProfileStore(path).save(profile("demo"))  # the lock died with the killed writer


def test_no_secret_reaches_the_profile_file(tmp_path: Path, memory_keyring: object) -> None:
    from cin7_shopify.secrets import KeyringStore

    secrets = KeyringStore()
    secrets.set("demo", "shopify_access_token", "shpat_very_secret")
    secrets.set("demo", "cin7_application_key", "cin7-key-very-secret")
    ProfileStore(tmp_path / "profiles.json").save(profile("demo"))
    written = "".join(p.read_text() for p in tmp_path.rglob("*") if p.is_file())
    assert "very_secret" not in written and "very-secret" not in written
