"""How the tool reaches a saved store: both clients, with the credentials from the keyring."""

from __future__ import annotations

from cin7_shopify.cin7.client import Cin7Client
from cin7_shopify.cin7.pacer import Cin7Pacer
from cin7_shopify.errors import ConsoleError
from cin7_shopify.secrets import SecretStore, environment_variable
from cin7_shopify.shopify.client import AccessToken, ClientCredentials, ShopifyClient
from cin7_shopify.state.profiles import StoreProfile


class MissingCredential(ConsoleError):
    pass


def open_profile_clients(profile: StoreProfile, secrets: SecretStore) -> tuple[Cin7Client, ShopifyClient]:
    """Real clients for a saved profile, with its credentials from the keyring (or environment)."""
    key = secrets.get(profile.name, "cin7_application_key")
    if key is None:
        raise MissingCredential(
            f"Store '{profile.name}' has no Cin7 Core application key saved.",
            hint="Save it in the console's connection setup, or set "
            f"{environment_variable(profile.name, 'cin7_application_key')}.",
        )
    credentials: AccessToken | ClientCredentials
    if profile.shopify_auth == "client_credentials":
        secret = secrets.get(profile.name, "shopify_client_secret")
        if secret is None or not profile.shopify_client_id:
            raise MissingCredential(
                f"Store '{profile.name}' has no Shopify client id and secret saved.",
                hint="Save them in the console's connection setup.",
            )
        credentials = ClientCredentials(profile.shopify_client_id, secret)
    else:
        token = secrets.get(profile.name, "shopify_access_token")
        if token is None:
            raise MissingCredential(
                f"Store '{profile.name}' has no Shopify access token saved.",
                hint="Save it in the console's connection setup, or set "
                f"{environment_variable(profile.name, 'shopify_access_token')}.",
            )
        credentials = AccessToken(token)
    cin7 = Cin7Client(
        profile.cin7_account_id, key, base_url=profile.cin7_base_url, pacer=Cin7Pacer(profile.cin7_calls_per_minute)
    )
    shopify = ShopifyClient(
        profile.shop_domain, credentials, api_version=profile.api_version, base_url=profile.shopify_base_url
    )
    return cin7, shopify
