"""Requests to a triple store, each with a deadline, a bounded answer and no redirect followed blindly.

httpx's timeouts bound each read, not a request: a store that sends a byte every 0.9 s never trips
a 2 s read timeout. So every request runs under one deadline (`anyio.fail_after`) that cancels it
wherever it is: connecting, sending, waiting or reading. Answers are streamed and never held past a
byte limit. Redirects are not left to httpx, which turns a PUT answered with 302 into a GET
(RFC 9110 §15.4.2-15.4.4 allow it): 301, 302 and 303 are errors; 307 and 308, which keep the method
and body (§15.4.8, §15.4.9), are followed on the same origin only.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import anyio
import httpx

from .errors import StoreError, StoreUnreachable

TRANSIENT_STATUSES = frozenset({429, 502, 503, 504})
METHOD_CHANGING_REDIRECTS = frozenset({301, 302, 303})
METHOD_KEEPING_REDIRECTS = frozenset({307, 308})
MAX_REDIRECTS = 3
DEFAULT_RETRIES = 4  # after the first attempt: waits of 0.5, 1, 2 and 4 s, then give up
DEFAULT_BACKOFF = 0.5
DEFAULT_TIMEOUT = 120.0
MAX_WAIT = 30.0
CHUNK = 64 * 1024
SMALL_ANSWER = 1024 * 1024  # bytes kept of an answer that carries only a status and a message
MESSAGE_LIMIT = 600  # characters of a store's error message worth showing


@dataclass(frozen=True)
class Connection:
    """Where and how to reach the store: URLs, credentials, headers, timeout and retry policy."""

    store: str
    sparql: str
    auth: httpx.Auth | None = None
    headers: tuple[tuple[str, str], ...] = ()
    retries: int = DEFAULT_RETRIES
    backoff: float = DEFAULT_BACKOFF
    timeout: float = DEFAULT_TIMEOUT  # seconds for a whole request, redirects included


@dataclass(frozen=True)
class Answer:
    """A store's answer: its status, headers and body (whole, or the first SMALL_ANSWER bytes)."""

    status: int
    reason: str
    url: str
    headers: httpx.Headers
    body: bytes

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def message(self) -> str:
        """The body as one line of text, cut to MESSAGE_LIMIT characters."""
        text = " ".join(self.body.decode("utf-8", errors="replace").split())
        return text if len(text) <= MESSAGE_LIMIT else text[:MESSAGE_LIMIT] + "…"


@dataclass(frozen=True)
class Request:
    """One request as sent (and re-sent on a retry or a 307/308): what `action` names in messages."""

    method: str
    url: str
    action: str
    option: str  # the option that gave the URL: --store or --sparql
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()
    limit: int = SMALL_ANSWER  # bytes of the answer to keep
    whole: bool = False  # True: an answer longer than `limit` is an error, not cut short
    on_sent: Callable[[int], None] | None = None


class StoreClient:
    """Sends requests to a store one at a time, retrying transient failures with backoff."""

    def __init__(
        self,
        connection: Connection,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        on_retry: Callable[[str], None] | None = None,
    ):
        self.connection = connection
        self.sleep = sleep
        self.on_retry = on_retry or (lambda _: None)
        self.client = httpx.AsyncClient(
            auth=connection.auth,
            headers=[("Accept-Encoding", "identity"), *connection.headers],
            # The deadline below bounds each request; these only name the failure sooner.
            timeout=httpx.Timeout(connection.timeout, connect=min(connection.timeout, 10.0)),
            transport=transport,
            follow_redirects=False,
        )

    async def __aenter__(self) -> StoreClient:
        return self

    async def __aexit__(self, *exc_info) -> None:
        await self.client.aclose()

    async def send(self, request: Request) -> Answer:
        """The store's answer; raise StoreUnreachable once the retries are spent."""
        retries = self.connection.retries
        for attempt in range(retries + 1):
            last = attempt == retries
            wait = min(self.connection.backoff * 2**attempt, MAX_WAIT)
            try:
                with anyio.fail_after(self.connection.timeout):
                    answer = await self._follow(request)
            except TimeoutError:
                if last:
                    raise StoreUnreachable(
                        f"{request.action}: no complete answer from {request.url} within "
                        f"--timeout {self.connection.timeout:g} s (the whole request: connect, "
                        f"send, wait and read) after {attempt + 1} attempt(s)"
                    ) from None
                reason = "no complete answer in time"
            except httpx.TransportError as exc:
                if last:
                    raise StoreUnreachable(
                        f"cannot reach the store at {request.url} ({type(exc).__name__}: "
                        f"{exc or 'no answer'}) after {attempt + 1} attempt(s)"
                    ) from None
                reason = type(exc).__name__
            else:
                if answer.status not in TRANSIENT_STATUSES or last:
                    return answer
                reason = f"HTTP {answer.status}"
                wait = _retry_after(answer, wait)
            self.on_retry(f"{reason}; retrying in {wait:g} s")
            # Requests go one at a time, so a blocking sleep holds up nothing else.
            self.sleep(wait)
        raise AssertionError("not reached: the last attempt returns or raises")

    async def _follow(self, request: Request) -> Answer:
        url = request.url
        for _ in range(MAX_REDIRECTS + 1):
            headers = list(request.headers)
            if request.body:  # a length, not chunks: not every store reads a chunked body
                headers.append(("Content-Length", str(len(request.body))))
            sent = self.client.build_request(
                request.method,
                url,
                content=_Body(request.body, request.on_sent) if request.body else None,
                headers=headers,
            )
            response = await self.client.send(sent, stream=True)
            try:
                if response.status_code in METHOD_KEEPING_REDIRECTS | METHOD_CHANGING_REDIRECTS:
                    url = _redirect_target(request, url, response)
                    continue
                body = await _read(request, response)
            finally:
                await response.aclose()
            return Answer(response.status_code, response.reason_phrase, url, response.headers, body)
        raise StoreError(
            f"{request.action}: more than {MAX_REDIRECTS} redirects from {request.url}; give the "
            f"final URL with {request.option}"
        )


def _redirect_target(request: Request, url: str, response: httpx.Response) -> str:
    """Where a 307 or 308 sends the request; an error for any other redirect, or another origin."""
    status = response.status_code
    location = response.headers.get("Location", "")
    target = urljoin(url, location)
    said = f"{status} {response.reason_phrase}".strip()
    if status in METHOD_CHANGING_REDIRECTS:
        raise StoreError(
            f"{request.action}: the store redirected the {request.method} to {target or '(no Location)'} "
            f"with {said}, a status that lets a client change the method (an HTTP client would "
            f"send a GET and report the old content as stored); give the final URL with "
            f"{request.option}"
        )
    if not location:
        raise StoreError(f"{request.action}: {url} answered {said} without a Location")
    # The data and the credentials were given for one origin; another origin is a host we were
    # not told to contact (and would get the Authorization header or a PUT without it).
    if _origin(target) != _origin(url):
        raise StoreError(
            f"{request.action}: refused to follow the store's redirect ({said}) from {url} to "
            f"another origin, {target}; guian-kg sends data and credentials only where it was "
            f"told to: if that is the store, give it with {request.option}"
        )
    return target


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    default = {"http": 80, "https": 443}.get(parts.scheme)
    return parts.scheme, (parts.hostname or ""), parts.port or default


async def _read(request: Request, response: httpx.Response) -> bytes:
    """The body, up to the request's limit: past it, an error (`whole`) or the part read."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size > request.limit:
            if request.whole:
                raise StoreError(
                    f"{request.action}: the answer from {request.url} is longer than "
                    f"{request.limit:,} bytes, more than what was sent could take; stopped reading"
                )
            break
    return b"".join(chunks)[: request.limit]


def _retry_after(answer: Answer, default: float) -> float:
    value = answer.headers.get("Retry-After", "")
    return min(float(value), MAX_WAIT) if value.isdigit() else default


class _Body:
    """A body sent in chunks, reporting progress; iterable again for a retry, a redirect or digest auth."""

    def __init__(self, data: bytes, report: Callable[[int], None] | None):
        self.data = data
        self.report = report or (lambda _: None)

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for start in range(0, len(self.data), CHUNK):
            chunk = self.data[start : start + CHUNK]
            yield chunk
            self.report(start + len(chunk))
