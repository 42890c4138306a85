"""ASGI middleware that rewrites what the application sends: security headers, bodies in bounded pieces."""

from __future__ import annotations

import asyncio

SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    # No script at all and nothing from another origin: the pages work without JavaScript.
    (
        b"content-security-policy",
        b"default-src 'none'; style-src 'self'; img-src 'self' data:; "
        b"form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    ),
]

# A response body goes to the connection in pieces of at most CHUNK bytes, each of which must be
# taken within SEND_TIMEOUT seconds: a client that stops reading holds at most one piece (plus the
# transport's 64 KiB buffer), and is disconnected, not waited for, after SEND_TIMEOUT.
CHUNK = 256 * 1024
SEND_TIMEOUT = 30.0


class SendingMiddleware:
    """An ASGI middleware that sees every message an HTTP response sends (`sending`)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        return await self.app(scope, receive, lambda message: self.sending(message, send))

    async def sending(self, message, send) -> None:
        raise NotImplementedError


class SecurityHeaders(SendingMiddleware):
    """Adds the security headers to every response."""

    async def sending(self, message, send) -> None:
        if message["type"] == "http.response.start":
            message["headers"] = [*message.get("headers", []), *SECURITY_HEADERS]
        await send(message)


class BoundedSending(SendingMiddleware):
    """Bodies leave in pieces of at most CHUNK bytes, each of which must be sent within SEND_TIMEOUT.

    A send that times out raises; uvicorn then closes the connection and frees its buffer.
    """

    async def sending(self, message, send) -> None:
        body = message.get("body", b"") if message["type"] == "http.response.body" else b""
        if len(body) <= CHUNK:
            return await asyncio.wait_for(send(message), SEND_TIMEOUT)
        more = message.get("more_body", False)
        for start in range(0, len(body), CHUNK):
            last = start + CHUNK >= len(body)
            piece = {"type": "http.response.body", "body": body[start : start + CHUNK]}
            await asyncio.wait_for(send({**piece, "more_body": more or not last}), SEND_TIMEOUT)
