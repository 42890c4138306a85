"""The code follows the project's ruff configuration (lint and format), as pyproject.toml sets it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def ruff(*args: str) -> subprocess.CompletedProcess:
    exe = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))
    return subprocess.run([exe, *args], cwd=ROOT, capture_output=True, text=True)


@pytest.mark.parametrize(
    "args", [("check", "."), ("format", "--check", ".")], ids=["lint", "format"]
)
def test_ruff_finds_nothing_to_change(args):
    result = ruff(*args)
    assert result.returncode == 0, result.stdout + result.stderr


def _package_imports() -> dict[str, set[str]]:
    """Module → the package modules it imports, at module level or deferred inside a function."""
    import ast

    package = ROOT / "guian_kg"
    edges: dict[str, set[str]] = {}
    for path in package.rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        module = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        here = parts[:-1]  # the package the module sits in
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level:
                base = ".".join(here[: len(here) - node.level + 1])
                target = f"{base}.{node.module}" if node.module else base
                if node.module:  # `from . import x` imports the submodule x, not the package again
                    found.add(target)
                found.update(f"{target}.{alias.name}" for alias in node.names)
        edges[module] = found
    return {m: {t for t in targets if t in edges and t != m} for m, targets in edges.items()}


def test_the_package_has_no_import_circle():
    """Regression: the server's app, routes and endpoint imported each other (app deferred its imports
    to break the circle at run time)."""
    edges = _package_imports()
    cycles = []

    def visit(module: str, path: list[str]) -> None:
        for target in sorted(edges.get(module, ())):
            if target in path:
                cycles.append([*path[path.index(target) :], target])
            elif len(path) < 12:
                visit(target, [*path, target])

    for module in sorted(edges):
        visit(module, [module])
    assert cycles == []
