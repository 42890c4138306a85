"""What long work is doing, on a terminal: one line on stderr, redrawn with the time spent.

Only when stderr is a terminal: in a pipe or a log nothing is written, so output stays as it was.
"""

from __future__ import annotations

import threading
import time
from typing import TextIO

REDRAW = 0.5  # seconds between redraws of the elapsed time


class Progress:
    """`with Progress(sys.stderr) as p: p.step("validating")`: the line is cleared at the end."""

    def __init__(self, stream: TextIO):
        self.stream = stream
        self.live = stream.isatty()
        self._text = ""
        self._started = time.monotonic()
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._redraw, daemon=True)

    def __enter__(self) -> Progress:
        if self.live:
            self._thread.start()
        return self

    def step(self, text: str) -> None:
        """Say what runs now (drawn at once, then redrawn with its time)."""
        self._text, self._started = text, time.monotonic()
        self._draw()

    def __exit__(self, *exc) -> None:
        if self.live:
            self._done.set()
            self._thread.join()
            with self._lock:
                self.stream.write("\r\033[K")  # the line goes: the result or the error follows
                self.stream.flush()

    def _redraw(self) -> None:
        while not self._done.wait(REDRAW):
            self._draw()

    def _draw(self) -> None:
        if not (self.live and self._text):
            return
        with self._lock:
            seconds = time.monotonic() - self._started
            self.stream.write(f"\r\033[K{self._text}… {seconds:.0f} s")
            self.stream.flush()
