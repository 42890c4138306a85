"""What long work is doing, on a terminal: one line on stderr, redrawn with the time spent.

Only when the stream is a terminal: in a pipe or a log nothing is written, so output stays as it
was. The redraw is a SIGALRM timer's handler, not a thread: the build forks worker processes, and
a fork while a thread held the stream's lock would leave the child a lock nobody releases (timers
are not inherited across fork). The line is written with os.write, never through the stream's
buffer, which the interrupted code might be in the middle of.
"""

from __future__ import annotations

import os
import signal
import time
from typing import TextIO

REDRAW = 0.5  # seconds between redraws of the elapsed time
CLEAR = "\r\033[K"  # to the start of the line, erase it


class Progress:
    """`with Progress(sys.stderr) as p: p.step("validating")`: the line is cleared at the end.

    On a terminal it must be entered in the main thread (signal handlers live there)."""

    def __init__(self, stream: TextIO):
        self.live = stream.isatty()
        self._fd = stream.fileno() if self.live else -1
        self._text = ""
        self._started = time.monotonic()
        self._previous = None

    def __enter__(self) -> Progress:
        if self.live:
            self._previous = signal.signal(signal.SIGALRM, lambda signum, frame: self._draw())
            signal.setitimer(signal.ITIMER_REAL, REDRAW, REDRAW)
        return self

    def step(self, text: str) -> None:
        """Say what runs now (drawn at once, then redrawn with its time)."""
        self._text, self._started = text, time.monotonic()
        self._draw()

    def __exit__(self, *exc) -> None:
        if self.live:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self._previous)
            os.write(self._fd, CLEAR.encode())  # the line goes: the result or the error follows

    def _draw(self) -> None:
        if self.live and self._text:
            seconds = time.monotonic() - self._started
            os.write(self._fd, f"{CLEAR}{self._text}… {seconds:.0f} s".encode())
