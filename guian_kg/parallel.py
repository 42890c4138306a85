"""Work spread over worker processes forked from this one: they inherit its memory (the store, the
source texts: nothing is copied to them but a task's arguments) and its sandbox (guian_kg.sandbox).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from typing import Any

_TASK: Callable[[Any], Any] | None = None


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity, as `taskset` or a container sets it)."""
    return len(os.sched_getaffinity(0))


def fork_map(
    function: Callable[[Any], Any], items: Sequence, workers: int, chunksize: int | None = None
) -> list:
    """[function(item) for item in items], in `workers` forked processes (in this one if 1).

    `function` may be a closure: the workers inherit it as they inherit everything else. What it
    returns (or raises) is pickled back to this process. Items go to the workers `chunksize` at a
    time as they become free (by default an eighth of a worker's share).
    """
    if workers <= 1 or len(items) <= 1:
        return [function(item) for item in items]
    global _TASK
    _TASK = function
    try:
        with ProcessPoolExecutor(min(workers, len(items)), mp_context=get_context("fork")) as pool:
            chunks = chunksize or max(1, len(items) // (workers * 8))
            return list(pool.map(_call, items, chunksize=chunks))
    finally:
        _TASK = None


def _call(item):
    return _TASK(item)
