"""Both sandboxes behind one HTTP port: Cin7 Core under /ExternalApi/v2/, Shopify under /admin/."""

from __future__ import annotations

from starlette.types import Receive, Scope, Send

from cin7_shopify.sandbox.cin7_server import API_PREFIX, Cin7Sandbox
from cin7_shopify.sandbox.shopify_server import ShopifySandbox


class CombinedSandbox:
    def __init__(self, cin7: Cin7Sandbox, shopify: ShopifySandbox) -> None:
        self.cin7 = cin7
        self.shopify = shopify

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        path = str(scope.get("path", "")).lower()
        target = self.cin7 if path.startswith(API_PREFIX.rstrip("/")) else self.shopify
        await target(scope, receive, send)
