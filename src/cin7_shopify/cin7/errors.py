"""Typed Cin7 Core API errors, each carrying Cin7's own message."""

from __future__ import annotations

from cin7_shopify.errors import ConsoleError


class Cin7Error(ConsoleError):
    """Cin7 Core refused or failed a call."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        error_code: int | None = None,
        endpoint: str = "",
        hint: str = "",
    ) -> None:
        self.status = status
        self.error_code = error_code
        self.endpoint = endpoint
        self.cin7_message = message
        where = f"Cin7 Core {endpoint}: " if endpoint else "Cin7 Core: "
        super().__init__(f"{where}{message}", hint=hint)


class Cin7AuthError(Cin7Error):
    hint = "Check the Account ID and Application Key under Integrations → API in Cin7 Core, then save them again."


class Cin7ValidationError(Cin7Error):
    """Cin7 rejected the data (HTTP 400 or an ErrorCode inside a 200)."""


class Cin7NotFound(Cin7Error):
    pass


class Cin7RateLimited(Cin7Error):
    hint = "Cin7 Core allows 60 calls a minute per account; wait a minute and try again."


class Cin7ServerError(Cin7Error):
    hint = "Cin7 Core had a problem of its own; try again in a few minutes."


class Cin7UnexpectedResponse(Cin7Error):
    hint = "The answer was not Cin7 Core's JSON: check the base URL, or try again later."


class Cin7ConnectionError(Cin7Error):
    hint = "Check the network connection and the Cin7 Core base URL."
