"""No query makes guian-kg contact a host: the kernel refuses the query processes any socket.

Each test aims a request at a loopback listener that counts connections, and switches the friendly
check (guian_kg.query_check) off where one would stop the request first, to show that the
guarantee holds without it: the operating system refuses, the listener hears nothing.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import httpx
import pytest

from guian_kg.server import workers
from guian_kg.server.workers import Job

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[1]
DATASET = ["https://w3id.org/guian-kg/graph/data"]
# Switches the friendly check off in a process before it runs guian-kg's own code.
CHECK_OFF = (
    "import guian_kg.query_check as c; c.reach = lambda *a, **k: c.Reach(); "
    "import guian_kg.server.workers as w; w.query_reach = c.reach; "
)


def _run_python(code: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=120
    )


def test_after_deny_network_no_socket_opens_in_any_thread_or_child(loopback_listener):
    code = textwrap.dedent(
        f"""
        import socket, subprocess, sys, threading
        import pyoxigraph as ox
        from guian_kg.sandbox import deny_network, network_denied
        deny_network()
        outcomes = []
        def attempt(label, action):
            try:
                action()
                outcomes.append(label + ": connected")
            except OSError as exc:
                outcomes.append(label + ": " + type(exc).__name__ + " " + str(exc.errno))
        connect = lambda: socket.create_connection(("127.0.0.1", {loopback_listener.port}), timeout=2)
        attempt("main thread", connect)
        thread = threading.Thread(target=attempt, args=("other thread", connect))
        thread.start(); thread.join()
        attempt("ipv6", lambda: socket.socket(socket.AF_INET6))
        attempt("unix", lambda: socket.socket(socket.AF_UNIX))
        child = subprocess.run([sys.executable, "-c", "import socket; socket.socket()"])
        outcomes.append("child exit " + str(child.returncode))
        service = "SELECT * {{ SERVICE <{loopback_listener.url}> {{ ?s ?p ?o }} }}"
        attempt("oxigraph SERVICE", lambda: list(ox.Store().query(service)))
        silent = "SELECT * {{ SERVICE SILENT <{loopback_listener.url}> {{ ?s ?p ?o }} }}"
        outcomes.append("SERVICE SILENT rows " + str(len(list(ox.Store().query(silent)))))
        outcomes.append("denied " + str(network_denied()))
        a, b = socket.socketpair(); a.send(b"x"); outcomes.append("socketpair " + b.recv(1).decode())
        print("\\n".join(outcomes))
        """
    )
    result = _run_python(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "main thread: PermissionError 13",
        "other thread: PermissionError 13",
        "ipv6: PermissionError 13",
        "unix: PermissionError 13",
        "child exit 1",
        "oxigraph SERVICE: PermissionError None",  # pyoxigraph keeps the text, not the errno
        "SERVICE SILENT rows 1",
        "denied True",
        "socketpair x",
    ]
    assert loopback_listener.connections == 0


def _worker_answers(jobs: list[Job], check_off: bool) -> list[dict]:
    """Run jobs in a real worker process (`python -m guian_kg.server.workers` or, with the check
    switched off, the same main() behind CHECK_OFF); return each answer's header and body."""
    prefix = CHECK_OFF if check_off else ""
    process = subprocess.Popen(
        [sys.executable, "-c", prefix + "import guian_kg.server.workers as w; w.main()"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    nquads = b"<http://e/s> <http://e/p> <http://e/o> <https://w3id.org/guian-kg/graph/data> .\n"
    try:
        workers._send(
            process.stdin.fileno(), json.dumps({"memory_mb": 2048, "prefixes": {}}).encode()
        )
        workers._send(process.stdin.fileno(), nquads)
        assert workers._receive(process.stdout.fileno()) == b"ready"
        answers = []
        for job in jobs:
            workers._send(process.stdin.fileno(), json.dumps(job.__dict__).encode())
            data = workers._receive(process.stdout.fileno())
            length = int.from_bytes(data[:4], "big")
            answers.append({**json.loads(data[4 : 4 + length]), "body": data[4 + length :]})
        return answers
    finally:
        process.stdin.close()
        process.wait(timeout=30)
        process.stdout.close()


def _job(query: str) -> Job:
    return Job(query, DATASET, [], [], None, None, 1000, 1 << 20, "http://127.0.0.1/")


def test_a_worker_with_the_check_switched_off_still_reaches_no_service(loopback_listener):
    service = f"<{loopback_listener.url}>"
    answers = _worker_answers(
        [
            _job(f"SELECT * {{ SERVICE {service} {{ ?s ?p ?o }} }}"),
            _job(f"SELECT * {{ SERVICE SILENT {service} {{ ?s ?p ?o }} }}"),
            _job("SELECT ?o { ?s ?p ?o }"),
        ],
        check_off=True,
    )
    assert [a["kind"] for a in answers] == ["failed", "select", "select"]
    assert "Permission denied" in answers[0]["message"]
    assert json.loads(answers[2]["body"])["results"]["bindings"] == [
        {"o": {"type": "uri", "value": "http://e/o"}}
    ]
    assert loopback_listener.connections == 0


def test_a_worker_with_the_check_on_refuses_service_and_outside_graphs(loopback_listener):
    attack = (
        f"SELECT * WHERE {{ BIND(<http://x\\u0041#> AS ?z) SERVICE <{loopback_listener.url}> "
        "{ ?a ?b ?c } }"
    )
    answers = _worker_answers(
        [
            _job(f"SELECT * {{ SERVICE <{loopback_listener.url}> {{}} }}"),
            _job(attack),
            _job(f"SELECT * FROM <{loopback_listener.url}> {{ ?s ?p ?o }}"),
            _job("SELECT * FROM <https://w3id.org/guian-kg/graph/data> { ?s ?p ?o }"),
        ],
        check_off=False,
    )
    assert [a["kind"] for a in answers] == ["service", "unchecked", "outside", "select"]
    assert loopback_listener.connections == 0


def test_the_guian_kg_program_has_no_network_even_with_the_check_off(tmp_path, loopback_listener):
    query = tmp_path / "federated.rq"
    query.write_text(f"SELECT * {{ SERVICE <{loopback_listener.url}> {{ ?s ?p ?o }} }}\n")
    env = {**os.environ, "GUIAN_KG_CACHE_DIR": str(tmp_path / "cache")}
    friendly = subprocess.run(
        [sys.executable, "-m", "guian_kg", "query", str(query)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert friendly.returncode == 2
    assert "SERVICE (federated query) is not allowed" in friendly.stderr
    unchecked = subprocess.run(
        [
            sys.executable,
            "-c",
            CHECK_OFF + "from guian_kg.cli import main; main()",
            "query",
            str(query),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert unchecked.returncode == 2, unchecked.stderr
    assert "Permission denied" in unchecked.stderr and "Traceback" not in unchecked.stderr
    assert loopback_listener.connections == 0


def test_the_endpoint_refuses_the_0_1_0_attack_in_every_protocol_form(
    serve_process, loopback_listener
):
    server = serve_process("--timeout", "20")
    attack = (
        "SELECT * WHERE { BIND(<http://x\\u0041#> AS ?z) "
        f"SERVICE <{loopback_listener.url}> {{ ?a ?b ?c }} }}"
    )
    plain = f"SELECT * WHERE {{ SERVICE <{loopback_listener.url}> {{ ?a ?b ?c }} }}"
    sparql = server.url + "sparql"
    for query, status in ((attack, 400), (plain, 403)):
        responses = [
            httpx.get(sparql, params={"query": query}, timeout=30),
            httpx.post(sparql, data={"query": query}, timeout=30),
            httpx.post(
                sparql,
                content=query.encode(),
                headers={"Content-Type": "application/sparql-query"},
                timeout=30,
            ),
        ]
        assert [r.status_code for r in responses] == [status] * 3, responses[0].text
    assert loopback_listener.connections == 0
    # The server and every worker run under the kernel's filter (seccomp mode 2).
    for pid in [server.pid, *server.workers()]:
        status = Path(f"/proc/{pid}/status").read_text()
        assert "Seccomp:\t2" in status, pid


def test_workers_die_with_the_server_even_in_the_middle_of_a_query(serve_process):
    server = serve_process("--timeout", "120", "--workers", "2")
    worker_pids = server.workers()
    assert len(worker_pids) == 2
    endless = "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    request = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import httpx, sys; httpx.get(sys.argv[1], timeout=300)",
            str(httpx.URL(server.url + "sparql", params={"query": endless})),
        ],
        stderr=subprocess.DEVNULL,
    )
    busy = _wait_for(lambda: any(_cpu_ticks(pid) > 50 for pid in worker_pids), 60)
    assert busy, "no worker started on the query"
    os.kill(server.pid, signal.SIGKILL)
    server.process.wait()
    gone = _wait_for(lambda: not any(_alive(pid) for pid in worker_pids), 30)
    request.kill()
    request.wait()
    assert gone, [pid for pid in worker_pids if _alive(pid)]


def _wait_for(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


def _cpu_ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])  # utime + stime


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"
