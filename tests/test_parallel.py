"""parallel.Forked: a function run in a forked process beside this one, its answer or its error
brought back, and the process killed if its answer is not wanted."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from guian_kg.errors import ValidationFailed
from guian_kg.parallel import ChildFailed, Forked, fork_map


def test_the_answer_comes_back_and_the_child_is_reaped():
    with Forked(lambda: {"pid": os.getpid(), "sum": sum(range(1000))}) as child:
        answer = child.result()
    assert answer["sum"] == 499500
    assert answer["pid"] != os.getpid()
    assert child.seconds is not None and child.seconds >= 0
    with pytest.raises(ChildProcessError):  # waited for: no child left
        os.waitpid(answer["pid"], os.WNOHANG)


def test_a_child_runs_as_much_nicer_as_asked_and_this_process_stays_as_it_was():
    mine = os.nice(0)
    with Forked(lambda: os.nice(0), niceness=7) as child:
        assert child.result() == min(mine + 7, 19)
    with Forked(lambda: os.nice(0)) as child:
        assert child.result() == mine
    assert os.nice(0) == mine


def test_an_error_comes_back_whole():
    def fails():
        raise ValidationFailed("report text", 3)

    with Forked(fails) as child, pytest.raises(ValidationFailed) as raised:
        child.result()
    assert (raised.value.report, raised.value.results) == ("report text", 3)
    assert str(raised.value) == "the graph does not conform to the shapes (3 results)"


def test_an_error_that_cannot_be_pickled_comes_back_as_its_traceback():
    class Local(Exception):  # defined in a function: pickle cannot find it again
        pass

    def fails():
        raise Local("cannot travel")

    with Forked(fails) as child, pytest.raises(ChildFailed, match="Local: cannot travel"):
        child.result()


def test_a_child_that_dies_without_answering_is_a_failure():
    with Forked(lambda: os._exit(3)) as child, pytest.raises(ChildFailed, match="status 768"):
        child.result()


def test_leaving_the_block_without_the_answer_kills_the_child():
    read, write = os.pipe()

    def forever():
        os.write(write, str(os.getpid()).encode())
        time.sleep(600)

    with pytest.raises(RuntimeError, match="the parent gave up"), Forked(forever):
        pid = int(os.read(read, 20))
        raise RuntimeError("the parent gave up")
    with pytest.raises(ChildProcessError):  # killed and reaped, not left running
        os.waitpid(pid, os.WNOHANG)
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def _alive_in_group(group: int) -> list[int]:
    """The processes of a process group that are not dead (a zombie waits to be reaped: dead)."""
    alive = []
    for entry in Path("/proc").iterdir():
        try:
            fields = (entry / "stat").read_text().rpartition(")")[2].split()
        except (OSError, ValueError):
            continue  # not a process, or gone meanwhile
        if int(fields[2]) == group and fields[0] != "Z":
            alive.append(int(entry.name))
    return alive


def _sleep(item: int) -> int:
    time.sleep(600)
    return item


def test_leaving_the_block_kills_what_the_child_forked_too():
    """A pool's workers hold their own end of its queue: killed with the child alone, they would
    wait for work for ever."""
    read, write = os.pipe()

    def pool():
        os.write(write, str(os.getpid()).encode())
        return fork_map(_sleep, list(range(4)), 2)

    with Forked(pool):
        group = int(os.read(read, 20))
        for _ in range(100):  # the pool's two workers started
            if len(_alive_in_group(group)) == 3:
                break
            time.sleep(0.05)
        assert len(_alive_in_group(group)) == 3
    for _ in range(100):  # SIGKILL is delivered, not waited for
        if not _alive_in_group(group):
            break
        time.sleep(0.05)
    assert _alive_in_group(group) == []


def test_fork_map_s_workers_collect_only_what_they_make():
    """What a worker inherits is frozen for the collector (gc.freeze): its collections do not scan
    it again and again, nor copy its pages; this process has it back once the work is done."""
    import gc

    inherited = fork_map(lambda _: gc.get_freeze_count(), [0, 1, 2, 3], workers=2)
    assert min(inherited) > 1000, inherited
    assert gc.get_freeze_count() == 0


def test_a_child_aborted_past_its_memory_limit_dumps_no_stacks():
    """Oxigraph aborts the process when an allocation fails past the limit: with faulthandler on
    (as pytest and PYTHONFAULTHANDLER turn it), the child must not print a "Fatal Python error"
    that reads as a crash; the parent says the call went past its limits."""
    script = textwrap.dedent(
        """
        import pyoxigraph as ox
        from guian_kg.parallel import bounded_call
        values = " ".join(f"VALUES ?{v} {{ 0 1 2 3 4 5 6 7 8 9 }}" for v in "abcdef")
        big = (  # a million statements, each with its own literal
            "INSERT { ?s <urn:p> ?o } WHERE { " + values
            + ' BIND(IRI(CONCAT("urn:s", STR(?a), STR(?b), STR(?c), STR(?d), STR(?e), STR(?f))) AS ?s)'
            + ' BIND(CONCAT("a long enough literal for each statement ", STR(?a * ?b)) AS ?o) }'
        )
        print(bounded_call(lambda: ox.Store().update(big), 32 * 1024**2, 30))
        """
    )
    ran = subprocess.run(
        [sys.executable, "-X", "faulthandler", "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout == "None\n"
    assert "ChildFailed" in ran.stderr  # said by the parent
    assert "Fatal Python error" not in ran.stderr
