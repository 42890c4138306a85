"""How much of the server's memory query results may hold: a budget, and responses counted in it."""

from __future__ import annotations

from starlette.responses import Response


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
