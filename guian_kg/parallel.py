"""Work spread over worker processes forked from this one: they inherit its memory (the store, the
source texts: nothing is copied to them but a task's arguments) and its sandbox (guian_kg.sandbox).
"""

from __future__ import annotations

import contextlib
import faulthandler
import gc
import os
import pickle
import resource
import signal
import time
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
    # The workers' collections then leave alone what they inherit: they would scan it again and
    # again, and copy every page of it they touch.
    gc.freeze()
    try:
        with ProcessPoolExecutor(min(workers, len(items)), mp_context=get_context("fork")) as pool:
            chunks = chunksize or max(1, len(items) // (workers * 8))
            return list(pool.map(_call, items, chunksize=chunks))
    finally:
        gc.unfreeze()
        _TASK = None


def _call(item):
    return _TASK(item)


class Forked:
    """function() begun now in a process forked for it, while this one goes on: `result()` waits
    for it and returns what it returned, or raises what it raised. With `memory` and `seconds`, the
    kernel limits the child to that many bytes of address space more than this process has, and
    that many seconds of CPU. Taking the result, or leaving the `with` block, kills what the child
    left running (and the child, if its result was not taken): it leads a process group of its
    own, which holds the processes it forks (a pool's workers would otherwise outlive it, waiting
    for work). With `niceness`, the child runs that much nicer than this process (os.nice).

    Fork it before this process starts a thread: a lock held by a thread at the fork stays held in
    the child."""

    def __init__(
        self,
        function: Callable[[], Any],
        memory: int | None = None,
        seconds: int | None = None,
        niceness: int = 0,
    ):
        read, write = os.pipe()
        started = time.perf_counter()
        pid = os.fork()
        if pid == 0:  # the child: never returns
            os.close(read)
            os.setpgid(0, 0)
            if niceness:
                os.nice(niceness)
            _child(function, write, memory, seconds)
        with contextlib.suppress(ProcessLookupError):  # here too, so that the group exists
            os.setpgid(pid, pid)  # before either goes on (unless the child has ended already)
        os.close(write)
        self._read: int | None = read
        self._pid, self._started, self._status = pid, started, 0
        self.seconds: float | None = None  # from the fork to the child's answer, once read

    def result(self) -> Any:
        with os.fdopen(self._read, "rb") as handle:
            data = handle.read()
        self._read = None
        self.seconds = time.perf_counter() - self._started
        self._end()
        if not data:
            raise ChildFailed(f"the forked process ended with status {self._status} and no answer")
        done, value = pickle.loads(data)
        if not done:
            raise value
        return value

    def __enter__(self) -> Forked:
        return self

    def __exit__(self, *_) -> None:
        self._end()
        if self._read is not None:
            os.close(self._read)

    def _end(self) -> None:
        """Kill the child's group (what it left running, and the child if it is), then reap the
        child: until it is reaped, its id is taken, so the group killed can be no one else's."""
        if not self._pid:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self._pid, signal.SIGKILL)
        _, self._status = os.waitpid(self._pid, 0)
        self._pid = 0


class ChildFailed(RuntimeError):
    """A forked process ended without an answer (killed, or past a limit of the kernel's)."""


def _child(function: Callable[[], Any], write: int, memory: int | None, seconds: int | None):
    status = 1
    try:
        if memory is not None:
            # Past the limit, Rust code (Oxigraph) aborts the process: that is the limit doing its
            # work, said by the parent (ChildFailed), not a crash to dump Python's stacks for.
            faulthandler.disable()
            with open("/proc/self/statm", encoding="ascii") as statm:
                size = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
            resource.setrlimit(resource.RLIMIT_AS, (size + memory, size + memory))
        if seconds is not None:
            resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds))
        try:
            answer = pickle.dumps((True, function()))
        except Exception as error:  # sent back whole where it can be, else as its text
            try:
                answer = pickle.dumps((False, error))
                pickle.loads(answer)
            except Exception:
                answer = pickle.dumps((False, ChildFailed("".join(traceback.format_exc()))))
        with os.fdopen(write, "wb") as handle:
            handle.write(answer)
        status = 0
    except BaseException:  # past a limit while answering: said on stderr, then no answer
        traceback.print_exc()
    finally:
        os._exit(status)


def bounded_call(function: Callable[[], Any], memory: int, seconds: int) -> Any | None:
    """function() in a process forked for it, with at most `memory` bytes of address space more
    than this process has and `seconds` of CPU (the kernel's limits: a query that needs more is
    stopped there, however it allocates); None if it did not finish within them or failed."""
    try:
        with Forked(function, memory, seconds) as child:
            return child.result()
    except Exception:  # past a limit, or a failure: said on stderr, then None
        traceback.print_exc()
        return None
