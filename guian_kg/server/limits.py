"""How much of the server's memory a response may hold: a budget for query results, and bounded sending."""

from __future__ import annotations

import asyncio

from starlette.responses import Response

# A response body goes to the connection in pieces of at most CHUNK bytes, each of which must be
# taken within SEND_TIMEOUT seconds: a client that stops reading holds at most one piece (plus the
# transport's 64 KiB buffer), and is disconnected, not waited for, after SEND_TIMEOUT.
CHUNK = 256 * 1024
SEND_TIMEOUT = 30.0


class ResultBudget:
    """Bytes of query results held in memory at once: a result that does not fit waits for none, it is refused (503).

    Results come from the workers whole (at most --max-bytes each); a client that reads slowly keeps
    its result alive until the last piece is sent, so without a budget 256 slow clients could keep
    256 results in memory. Used from the event loop only.
    """

    def __init__(self, capacity: int):
        self.capacity, self.held = capacity, 0

    def take(self, size: int) -> bool:
        if self.held + size > self.capacity:
            return False
        self.held += size
        return True

    def give_back(self, size: int) -> None:
        self.held -= size


class BudgetedResponse(Response):
    """A response whose body is counted in a ResultBudget until it is sent, or the sending fails."""

    def __init__(self, budget: ResultBudget, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.budget = budget

    async def __call__(self, scope, receive, send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self.budget.give_back(len(self.body))


class BoundedSending:
    """ASGI middleware: bodies leave in pieces of at most CHUNK bytes, each sent within SEND_TIMEOUT."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def sending(message):
            body = message.get("body", b"") if message["type"] == "http.response.body" else b""
            if len(body) <= CHUNK:
                return await asyncio.wait_for(send(message), SEND_TIMEOUT)
            more = message.get("more_body", False)
            for start in range(0, len(body), CHUNK):
                piece = body[start : start + CHUNK]
                last = start + CHUNK >= len(body)
                await asyncio.wait_for(
                    send(
                        {"type": "http.response.body", "body": piece, "more_body": more or not last}
                    ),
                    SEND_TIMEOUT,
                )

        # A send that times out raises here; uvicorn then closes the connection and frees its buffer.
        return await self.app(scope, receive, sending)
