"""Work spread over worker processes forked from this one: they inherit its memory (the store, the
source texts: nothing is copied to them but a task's arguments) and its sandbox (guian_kg.sandbox).
"""

from __future__ import annotations

import os
import pickle
import resource
import traceback
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


def bounded_call(function: Callable[[], Any], memory: int, seconds: int) -> Any | None:
    """function() in a process forked for it, with at most `memory` bytes of address space more
    than this process has and `seconds` of CPU (the kernel's limits: a query that needs more is
    stopped there, however it allocates); None if it did not finish within them or failed."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        status = 1
        try:
            os.close(read)
            with open("/proc/self/statm", encoding="ascii") as statm:
                size = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
            resource.setrlimit(resource.RLIMIT_AS, (size + memory, size + memory))
            resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds))
            with os.fdopen(write, "wb") as handle:
                pickle.dump(function(), handle)
            status = 0
        except BaseException:  # past a limit, or a failure: said on stderr, then None
            traceback.print_exc()
        finally:
            os._exit(status)
    os.close(write)
    with os.fdopen(read, "rb") as handle:
        data = handle.read()
    _, status = os.waitpid(pid, 0)
    return pickle.loads(data) if status == 0 and data else None
