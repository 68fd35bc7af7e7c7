"""Typed Shopify Admin API errors, each carrying Shopify's own message."""

from __future__ import annotations

from cin7_shopify.errors import ConsoleError


class ShopifyError(ConsoleError):
    def __init__(self, message: str, *, status: int | None = None, code: str | None = None, hint: str = "") -> None:
        self.status = status
        self.code = code
        self.shopify_message = message
        super().__init__(f"Shopify: {message}", hint=hint)


class ShopifyAuthError(ShopifyError):
    hint = (
        "Check the shop domain and the Admin API access token (or the app's client id and secret) "
        "in the store profile, then test the connection again."
    )


class ShopifyAccessDenied(ShopifyError):
    hint = "Grant the missing access scope to the app in Shopify, then reinstall or re-authorise it."


class ShopifyThrottled(ShopifyError):
    hint = "Shopify's rate limit kept refusing the call; try again in a minute."


class ShopifyQueryTooCostly(ShopifyError):
    hint = "This is a bug in the tool's query; please report it."


class ShopifyServerError(ShopifyError):
    hint = "Shopify had a problem of its own; try again in a few minutes."


class ShopifyUnexpectedResponse(ShopifyError):
    hint = "The answer was not Shopify's JSON; check the shop domain, or try again later."


class ShopifyConnectionError(ShopifyError):
    hint = "Check the network connection and the shop domain."


class ShopifyBulkFailed(ShopifyError):
    pass
