"""Input files as the readers expect them: `-` for stdin, and a syntax given on the command line.

The readers (guian_kg/read.py) take a file's syntax from its extension. `validate -` and
`validate --data-format SYNTAX` (as riot's `--syntax`) stage their inputs under names whose
extension says the syntax: stdin's bytes in a temporary file, another file as a link to it. The
messages of errors name the inputs as the user gave them, never the staged names.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import BinaryIO

from .errors import GuianKGError, InputError, ValidationFailed
from .formats import get_format

STDIN = "-"


@contextlib.contextmanager
def staged(paths: Sequence[Path], data_format: str | None, stdin: BinaryIO) -> Iterator[list[Path]]:
    """`paths` to read: `-` as stdin in `data_format` (Turtle by default), and with `data_format`
    every file read in it whatever its extension (folders keep their *.ttl)."""
    extension = get_format(data_format).extension if data_format else None
    if extension is None and STDIN not in map(str, paths):
        yield list(paths)
        return
    with tempfile.TemporaryDirectory(prefix="guian-kg-input-") as folder:
        given: dict[str, str] = {}
        result = []
        for index, path in enumerate(paths):
            if str(path) == STDIN:
                target = Path(folder, f"{index}-stdin.{extension or 'ttl'}")
                target.write_bytes(stdin.read())
                given[str(target)] = "<stdin>"
            elif extension and not Path(path).is_dir():
                target = Path(folder, f"{index}-{Path(path).stem}.{extension}")
                with contextlib.suppress(FileNotFoundError):  # a missing file stays missing
                    os.symlink(Path(path).absolute(), target)
                given[str(target)] = str(path)
            else:
                target = Path(path)
            result.append(target)
        try:
            yield result
        except ValidationFailed:
            raise
        except GuianKGError as exc:
            raise _renamed(exc, given) from None


def _renamed(exc: GuianKGError, given: dict[str, str]) -> GuianKGError:
    """The error with each staged name replaced by the name the user gave; the same exit code."""
    message = str(exc)
    for staged_name, name in given.items():
        message = message.replace(staged_name, name)
    if message == str(exc):
        return exc
    error = InputError(message)
    error.exit_code = exc.exit_code
    return error
