"""Store settings are strict; secrets live only in the keyring (or the documented environment)."""

from __future__ import annotations

import keyring
import pytest
from keyring.backends import fail

from cin7_shopify.secrets import EnvironmentStore, KeyringStore, NoKeyringBackend, default_store, environment_variable
from cin7_shopify.settings import SettingsError, StoreSettings
from tests.conftest import MemoryKeyring


def test_missing_keys_take_their_defaults() -> None:
    settings = StoreSettings.from_json_dict({})
    assert settings.order_trigger == "paid" and settings.customer_mode == "match_email"
    assert settings.unknown_sku == "hold" and settings.skip_test_orders is True
    assert settings.inventory_interval_minutes == 60 and settings.safety_buffer == 0


def test_a_misspelt_key_is_refused_with_a_suggestion() -> None:
    with pytest.raises(SettingsError) as caught:
        StoreSettings.from_json_dict({"order_triger": "paid"}, source="settings.json")
    assert caught.value.message == "settings.json: unknown setting 'order_triger'. Did you mean 'order_trigger'?"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"order_trigger": "shipped"}, "order_trigger: Input should be 'created', 'paid' or 'fulfilled'"),
        ({"location_map": {"71001": "Main"}}, "'71001' is not a Shopify location id"),
        ({"safety_buffer": -1}, "safety_buffer: Input should be greater than or equal to 0"),
    ],
)
def test_bad_values_are_named(data: dict[str, object], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        StoreSettings.from_json_dict(data)


def test_go_live_without_a_zone_is_utc() -> None:
    assert StoreSettings.from_json_dict({"go_live": "2026-11-01T00:00:00"}).go_live.tzinfo is not None  # type: ignore[union-attr]


def test_secrets_round_trip_through_the_keyring(memory_keyring: MemoryKeyring) -> None:
    store = KeyringStore()
    store.set("demo-apparel", "shopify_access_token", "shpat_secret_value")
    secret = store.get("demo-apparel", "shopify_access_token")
    assert secret is not None and secret.get_secret_value() == "shpat_secret_value"
    assert "shpat_secret_value" not in repr(secret) and "shpat_secret_value" not in str(secret)
    assert memory_keyring.passwords == {
        ("cin7-shopify-console", "demo-apparel:shopify_access_token"): "shpat_secret_value"
    }
    store.delete("demo-apparel", "shopify_access_token")
    store.delete("demo-apparel", "shopify_access_token")  # already gone is fine
    assert store.get("demo-apparel", "shopify_access_token") is None


def test_without_a_keyring_the_tool_says_so_and_reads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    keyring.set_keyring(fail.Keyring())  # type: ignore[no-untyped-call]
    store, notice = default_store()
    assert isinstance(store, EnvironmentStore)
    assert notice and "No OS keyring is available" in notice and "CIN7_SHOPIFY_MY_STORE_SHOPIFY_ACCESS_TOKEN" in notice
    monkeypatch.setenv(environment_variable("demo-apparel", "cin7_application_key"), "from-env")
    value = store.get("demo-apparel", "cin7_application_key")
    assert value is not None and value.get_secret_value() == "from-env"
    with pytest.raises(NoKeyringBackend) as caught:
        store.set("demo-apparel", "shopify_access_token", "x")
    assert "CIN7_SHOPIFY_DEMO_APPAREL_SHOPIFY_ACCESS_TOKEN" in caught.value.explain()


def test_only_known_secret_names() -> None:
    with pytest.raises(ValueError):
        KeyringStore().set("demo", "password", "x")
