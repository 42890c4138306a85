"""Every `Example:` line of every command's help runs as written, as `guian-kg` in a shell, in a
folder holding the project's `data/` (the build example makes `dist/` first). Two need a server:
`load`'s store URL is a test Oxigraph's, and `serve` takes a free port instead of 8000."""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from guian_kg.cli import cli
from guian_kg.resources import resource_dir

EXAMPLES = sorted(
    (name, line.strip()[len("Example: ") :])
    for name, command in cli.commands.items()
    for line in (command.help or "").splitlines()
    if line.strip().startswith("Example: ")
)


def shell(line: str, cwd: Path, **kwargs):
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    return subprocess.run(
        ["bash", "-c", f"set -o pipefail; {line}"], cwd=cwd, env=env, capture_output=True, **kwargs
    )


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    """A user's folder: the project's data, and dist/ as the build example makes it."""
    folder = tmp_path_factory.mktemp("examples")
    (folder / "data").symlink_to(resource_dir("data"), target_is_directory=True)
    build = shell("guian-kg build --out dist", folder, timeout=600)
    assert build.returncode == 0, build.stderr
    return folder


def test_every_command_has_an_example():
    assert {name for name, _ in EXAMPLES} == set(cli.commands)


@pytest.mark.parametrize(("command", "line"), EXAMPLES, ids=[line for _, line in EXAMPLES])
def test_the_example_runs(folder, command, line, oxigraph_server):
    if command == "serve":
        return _serve(folder, line.replace("--port 8000", "--port 0"))
    line = line.replace("http://127.0.0.1:7878", oxigraph_server)
    result = shell(line, folder, timeout=600)
    assert result.returncode == 0, result.stderr.decode()
    written = re.search(r"(?:-o|>) (\S+)$", line)
    if written:
        assert (folder / written.group(1)).stat().st_size > 0
    else:
        assert result.stdout.strip(), result.stderr.decode()


def _serve(folder: Path, line: str) -> None:
    log = folder / "serve.log"
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    with open(log, "wb") as output:
        process = subprocess.Popen(
            ["bash", "-c", f"exec {line}"], cwd=folder, env=env, stdout=output, stderr=output
        )
    try:
        url = None
        for _ in range(600):  # up to a minute, in steps of 0.1 s
            found = re.search(r"serving (http://127\.0\.0\.1:\d+/)", log.read_text("utf-8"))
            if found or process.poll() is not None:
                url = found and found.group(1)
                break
            process_wait(process, 0.1)
        assert url, log.read_text("utf-8")
        for _ in range(100):
            try:
                response = httpx.get(
                    f"{url}id/place/guian-new-area", timeout=5, follow_redirects=True
                )
                break
            except httpx.TransportError:
                process_wait(process, 0.1)
        assert response.status_code == 200 and "贵安新区" in response.text
    finally:
        process.terminate()
        process.wait(timeout=30)


def process_wait(process: subprocess.Popen, seconds: float) -> None:
    """Wait `seconds`, or less if the process ends."""
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=seconds)
