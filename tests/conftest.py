"""Shared fixtures: the loaded knowledge graph and a built dist/ (built once per session)."""

from __future__ import annotations

import contextlib
import importlib
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import httpx
import pytest

from guian_kg import DEFAULT_BASE
from guian_kg.build import KnowledgeGraph, build, load
from guian_kg.corpus import Corpus

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def kg() -> KnowledgeGraph:
    """The project's knowledge graph, loaded and enriched (not validated)."""
    return load()


def corpus_generator() -> ModuleType:
    """benchmarks/corpus.py, the generator of synthetic corpora shaped like the real article."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        return importlib.import_module("corpus")
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))


@pytest.fixture(scope="session")
def corpus_kg(tmp_path_factory) -> KnowledgeGraph:
    """A generated corpus of 2 articles (seed 0), read and enriched by the build."""
    out = tmp_path_factory.mktemp("corpus")
    corpus_generator().generate(out, 2, seed=0)
    return load(corpus=Corpus(out))


@pytest.fixture(scope="session")
def dist(tmp_path_factory) -> Path:
    """A dist/ folder built from the project's data into a temporary directory."""
    out = tmp_path_factory.mktemp("build") / "dist"
    build(out)
    return out


# ---------------------------------------------------------------- Oxigraph servers (test_load.py)


def require_installed(found: object, message: str) -> None:
    """Fail under CI (whose .ci/run installs it), skip elsewhere, when a program the tests run
    is missing (`found` false)."""
    if found:
        return
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def wait_until_answering(url: str, process: subprocess.Popen, log: Path, name: str) -> None:
    """Wait (30 s at most) until a web server the tests started answers at `url`; fail with its
    log if it exits or does not answer by then."""
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.TransportError:
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"{name} did not start: {log.read_text(errors='replace')}")
            time.sleep(0.1)


def stop_process(process: subprocess.Popen, timeout: float) -> None:
    """Terminate a server the tests started; kill it if it is still there after `timeout` s."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class OxigraphServer:
    """An `oxigraph serve` process on 127.0.0.1 with an on-disk location; `url` is its base URL."""

    def __init__(self, location: Path, *options: str):
        self.location = location
        self.options = options
        self.process: subprocess.Popen | None = None
        self.url = ""

    def start(self) -> OxigraphServer:
        executable = shutil.which("oxigraph") or str(Path(sys.executable).with_name("oxigraph"))
        if not Path(executable).is_file():
            pytest.skip("the oxigraph server is not installed: pip install -e '.[test]'")
        with socket.socket() as probe:  # a free loopback port (oxigraph does not report port 0)
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        address = f"127.0.0.1:{port}"
        self.url = f"http://{address}"
        log = self.location.with_name(f"{self.location.name}.log")
        command = [executable, "serve", "--location", str(self.location), "--bind", address]
        command += self.options
        with open(log, "ab") as output:  # a file, not a pipe, which could fill and block the server
            self.process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"oxigraph serve exited: {log.read_text(errors='replace')}")
            try:
                httpx.get(f"{self.url}/", timeout=1)
                return self
            except httpx.TransportError:
                time.sleep(0.1)
        self.stop()
        pytest.fail(f"oxigraph serve did not answer on {self.url} within 30 s")

    def stop(self) -> None:
        if self.process:
            stop_process(self.process, 10)
        self.process = None


@pytest.fixture(scope="session")
def oxigraph_servers(tmp_path_factory) -> Iterator[Callable[..., OxigraphServer]]:
    """Start Oxigraph servers: start(location, *serve_options); every one is stopped at the end."""
    started: list[OxigraphServer] = []

    def start(location: Path, *options: str) -> OxigraphServer:
        server = OxigraphServer(location, *options).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture(scope="session")
def oxigraph_server(oxigraph_servers, tmp_path_factory) -> str:
    """Base URL (http://127.0.0.1:PORT) of an Oxigraph server for the session, on disk in tmp."""
    return oxigraph_servers(tmp_path_factory.mktemp("oxigraph")).url


def pytest_addoption(parser):
    """`pytest --update-expected` rewrites the expected result next to every queries/NAME.rq."""
    parser.addoption(
        "--update-expected",
        action="store_true",
        help="Rewrite queries/NAME.csv|.srj|.ttl from the current graph (then review the diff).",
    )


# ---------------------------------------------------------------- guian-kg serve (test_serve*.py)

# The published base: the server answers in these IRIs; {SERVE_BASE}id/x/y lies at /id/x/y.
SERVE_BASE = DEFAULT_BASE


def local(iri: str) -> str:
    """The path on the server of a published IRI."""
    assert iri.startswith(SERVE_BASE), iri
    return "/" + iri[len(SERVE_BASE) :]


@pytest.fixture(scope="session")
def serve_client(kg):
    """A TestClient on `guian-kg serve`'s app for the project's graph, workers running."""
    from starlette.testclient import TestClient

    from guian_kg.server.app import create_app

    app = create_app(kg, timeout=30, max_rows=1000, workers=2)
    with TestClient(app) as client:
        yield client


# ---------------------------------------------------------------- a listener that must hear nothing


class LoopbackListener:
    """A TCP listener on 127.0.0.1 that counts connections: the target of requests guian-kg must never make.

    Each connection is counted before it is closed, so a client that got its answer (the closed
    connection) has already been counted.
    """

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/"
        self.connections = 0
        self._condition = threading.Condition()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.sock.accept()
            except OSError:
                return
            with self._condition:
                self.connections += 1
                self._condition.notify_all()
            connection.close()

    def wait_for_connections(self, count: int, timeout: float) -> bool:
        with self._condition:
            return self._condition.wait_for(lambda: self.connections >= count, timeout)

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def loopback_listener() -> Iterator[LoopbackListener]:
    listener = LoopbackListener()
    yield listener
    listener.close()


# ---------------------------------------------------------------- a real `guian-kg serve`


class ServeProcess:
    """`guian-kg serve --port 0 ARGS` as a user runs it; `url` once it answers, `pid`, `stop()`.

    Its cache folder (where `--dist` makes its store) is `cache`, else the log's folder.
    """

    def __init__(self, log: Path, *args: str, cache: Path | None = None):
        executable = shutil.which("guian-kg") or str(Path(sys.executable).with_name("guian-kg"))
        self.log = log
        env = {**os.environ, "GUIAN_KG_CACHE_DIR": str(cache or log.parent / "cache")}
        with open(log, "wb") as output:  # a file, not a pipe, which the access log could fill
            self.process = subprocess.Popen(
                [executable, "serve", "--port", "0", *args],
                stdout=output,
                stderr=subprocess.STDOUT,
                env=env,
            )
        self.pid = self.process.pid
        self.url = self._wait_until_serving()

    def _wait_until_serving(self) -> str:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"guian-kg serve exited: {self.log.read_text(errors='replace')}")
            found = re.search(r"serving (http://127\.0\.0\.1:\d+/)", self.log.read_text("utf-8"))
            if found:
                try:
                    if httpx.get(found.group(1), timeout=5).status_code == 200:
                        return found.group(1)
                except httpx.TransportError:
                    pass
            time.sleep(0.2)
        self.stop()
        pytest.fail(f"guian-kg serve did not answer: {self.log.read_text(errors='replace')}")

    def workers(self) -> list[int]:
        """Process ids of the server's children (its query workers)."""
        children: list[int] = []
        for task in Path(f"/proc/{self.pid}/task").glob("*"):
            with contextlib.suppress(OSError):
                children += [int(p) for p in (task / "children").read_text().split()]
        return sorted(children)

    def stop(self) -> None:
        stop_process(self.process, 20)


@pytest.fixture
def serve_process(tmp_path) -> Iterator[Callable[..., ServeProcess]]:
    """Start `guian-kg serve` processes: start(*args); each is stopped at the end of the test."""
    started: list[ServeProcess] = []

    def start(*args: str) -> ServeProcess:
        server = ServeProcess(tmp_path / f"serve-{len(started)}.log", *args)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
