"""agentxray probe: personas as data, one persona's sandbox setup and recording, and a real
probe of a small fake agent in the sandbox."""

from __future__ import annotations

import datetime
import json
import os
import shutil
import subprocess
from pathlib import Path
from types import SimpleNamespace

import pytest

from agentxray.cli.main import build_parser, main
from agentxray.errors import UsageError
from agentxray.model import Category, Finding, Location
from agentxray.observe.personas import (
    builtin_personas,
    check_clock,
    faketime_library,
    flag_names,
    flag_service,
    host_for,
    parse_persona,
    personas_from_findings,
    recording_of,
    sandbox_setup,
)


def _sandbox_missing() -> str | None:
    for tool in ("bwrap", "nft", "ip", "unshare", "nsenter"):
        if shutil.which(tool) is None and not Path("/usr/sbin", tool).exists():
            return f"{tool} is not installed"
    if subprocess.run(["unshare", "-Urn", "true"], capture_output=True).returncode != 0:
        return "unprivileged user namespaces are blocked here"
    if not os.access("/dev/net/tun", os.R_OK | os.W_OK):
        return "/dev/net/tun is not usable here"
    return None


REASON = _sandbox_missing()

# -- personas --------------------------------------------------------------------------------


def test_builtins_cover_regions_and_gateways() -> None:
    found = builtin_personas()
    regions = [p for p in found.values() if p.get("tz")]
    gateways = {p.name for p in found.values() if p.get("base_url")}
    assert len(regions) >= 12
    assert {"first-party", "corp-gateway", "reseller", "other-lab"} <= gateways


def test_inline_persona_fields_and_base() -> None:
    (p,) = parse_persona("cn-shanghai;base_url=https://llm-gw.corp.test;env.FOO=1;flag.x_y=on")
    assert p.get("tz") == "Asia/Shanghai"
    assert p.get("base_url") == "https://llm-gw.corp.test"
    assert p.get("env.FOO") == "1"
    assert p.get("flag.x_y") == "on"
    (named,) = parse_persona("tz=Asia/Tokyo;name=tokyo")
    assert named.name == "tokyo"


@pytest.mark.parametrize(
    "bad",
    [
        "tz=Mars/Olympus",
        "tz=../../etc/passwd",
        "base_url=ftp://x.test",
        "colour=blue",
        "env.1BAD=x",
        "user=Root;x",
        "date=yesterday",
        "no-such-persona",
    ],
)
def test_bad_personas_are_one_line_usage_errors(bad: str) -> None:
    with pytest.raises(UsageError):
        parse_persona(bad)


def test_persona_file_with_several(tmp_path: Path) -> None:
    f = tmp_path / "p.yaml"
    f.write_text(
        "- {name: a, tz: Europe/Berlin, flags: {tengu_x: 'true'}}\n"
        "- {name: b, base_url: 'https://gw.example.test', env: {HTTPS_PROXY: 'http://p.test:1'}}\n"
    )
    a, b = parse_persona(str(f))
    assert a.as_dict() == {"tz": "Europe/Berlin", "flag.tengu_x": "true"}
    assert b.get("env.HTTPS_PROXY") == "http://p.test:1"


def test_sandbox_setup_binds_zone_files_and_fixes_the_clock(tmp_path: Path) -> None:
    if faketime_library() is None:
        pytest.skip("faketime is not installed")
    (p,) = parse_persona(
        "tz=Asia/Shanghai;lang=zh_CN.UTF-8;hostname=dev-pc;user=wei;email=wei@corp.test;"
        "base_url=https://api.example.test:8443/v1;proxy=http://proxy.corp.test:3128"
    )
    clock = datetime.datetime.now(datetime.UTC).replace(hour=12, minute=0, second=0)
    setup = sandbox_setup(p, tmp_path / "p", clock, tmp_path / "home")
    assert setup.env["TZ"] == "Asia/Shanghai"
    assert setup.env["LANG"] == "zh_CN.UTF-8"
    assert setup.env["USER"] == "wei"
    assert setup.env["GIT_AUTHOR_EMAIL"] == "wei@corp.test"
    assert setup.env["HTTPS_PROXY"] == "http://proxy.corp.test:3128"
    assert setup.env["LD_PRELOAD"] == faketime_library()
    assert setup.layout["hostname"] == "dev-pc"
    assert setup.layout["user"] == "wei"
    assert setup.api_host == "api.example.test:8443"
    files = setup.layout["files"]
    assert isinstance(files, dict)
    assert Path("/usr/share/zoneinfo/Asia/Shanghai").resolve() in files.values()
    assert "wei@corp.test" in (tmp_path / "home" / ".gitconfig").read_text()


def test_clock_outside_the_certificate_is_refused() -> None:
    with pytest.raises(UsageError, match="validity"):
        check_clock(datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC))


# -- recording -------------------------------------------------------------------------------


def _ex(**kw: object) -> SimpleNamespace:
    base: dict[str, object] = {
        "request_headers": (("host", "llm-gw.corp.test"), ("content-length", "10")),
        "method": "POST",
        "target": "/v1/messages",
        "request_body": b"",
        "dialect": None,
        "system": (),
        "first_user": (),
        "turn": None,
    }
    base.update(kw)
    return SimpleNamespace(**base)


def test_recording_splits_model_request_and_replaces_run_paths() -> None:
    body = {
        "model": "m",
        "system": [{"type": "text", "text": "You are here: /tmp/probe-x/run/workspace"}],
        "messages": [{"role": "user", "content": [{"type": "text", "text": "hi"}]}],
        "tools": [{"name": "Bash"}],
    }
    flags = _ex(
        request_headers=(("host", "cdn.growthbook.io"),),
        target="/api/eval/sdk-1",
        request_body=json.dumps({"forcedFeatures": {"tengu_a": True}}).encode(),
    )
    model = _ex(dialect="anthropic", system=("x",), turn=0, request_body=json.dumps(body).encode())
    events = [SimpleNamespace(kind="exec", argv=("git", "status"), path=None, process="git",
                              host=None, port=None, access=None)]  # fmt: skip
    rec = recording_of(
        "p", 0, exchanges=[model, flags], events=events, stdout="ok", stderr="", exit_code=0,
        run_paths={"/tmp/probe-x/run/workspace": "{workspace}", "/tmp/probe-x/run": "{run}"},
    )  # fmt: skip
    got = {(a.where, a.key): a.text for a in rec.aspects}
    key = "POST /v1/messages #0"
    assert got[("model_request.system", key)] == "You are here: {workspace}"
    assert got[("model_request.messages", key)] == "[user]\nhi"
    assert "content-length" not in got[("model_request.headers", key)]
    assert '"model": "m"' in got[("model_request.headers", key)]
    assert got[("processes", "")] == "git status"
    assert ("egress", "cdn.growthbook.io POST /api/eval/sdk-1") in got
    assert rec.flags == ("tengu_a", "[GrowthBook POST cdn.growthbook.io/api/eval/sdk-1]")


def test_file_events_that_only_timing_changes_are_recorded_alike() -> None:
    def rec(access: str, pid: int) -> dict[tuple[str, str], str]:
        events = [
            SimpleNamespace(kind="file", access=access, path="/home/u/.claude/sessions/1.json",
                            host=None, port=None, argv=None, process=None),
            SimpleNamespace(kind="file", access="read", path=f"/proc/{pid}/cmdline",
                            host=None, port=None, argv=None, process=None),
        ]  # fmt: skip
        r = recording_of("p", 0, exchanges=[], events=events, stdout="", stderr="",
                         exit_code=0, run_paths={})  # fmt: skip
        return {(a.where, a.key): a.text for a in r.aspects}

    # whether the session file existed a moment before, and the kernel's pid numbers
    assert rec("created", 10) == rec("written", 4242)
    assert rec("created", 10)[("files", "")] == (
        "read /proc/\u27e8pid\u27e9/cmdline\nwritten /home/u/.claude/sessions/1.json"
    )


def test_a_look_at_another_process_is_timing_but_a_read_of_it_is_not() -> None:
    def files(*events: tuple[str, str]) -> str:
        made = [
            SimpleNamespace(kind="file", access=access, path=path, host=None, port=None,
                            argv=None, process=None)
            for access, path in events
        ]  # fmt: skip
        r = recording_of("p", 0, exchanges=[], events=made, stdout="", stderr="",
                         exit_code=0, run_paths={})  # fmt: skip
        return {(a.where, a.key): a.text for a in r.aspects}[("files", "")]

    # one run stats a child's /proc entry while the child still exists, the other does not
    assert files(("touched", "/proc/4242/environ")) == files()
    # reading it is behaviour, whichever pid
    assert files(("read", "/proc/4242/environ")) == "read /proc/\u27e8pid\u27e9/environ"
    assert files(("touched", "/proc/self/environ")) == "touched /proc/self/environ"


def test_flag_services_and_names() -> None:
    assert flag_service("api.statsig.com/v1/initialize") == "Statsig"
    assert flag_service("clientsdk.launchdarkly.com/sdk/evalx/x") == "LaunchDarkly"
    assert flag_service("api.example.test/v1/messages") is None
    assert flag_names(b'{"gateName": "new_ui", "user": {"id": 1}}') == ["new_ui"]
    assert flag_names(b"not json") == []


# -- a real probe in the sandbox ---------------------------------------------------------------

#: A tiny agent: writes today's date the way its zone's users do, and an apostrophe that depends
#: on the API host it was given; sends it to the model API with fresh ids (noise to learn).
FAKE_AGENT = r"""
import datetime, json, os, sys, tempfile, urllib.request, uuid
base = os.environ.get("FAKE_BASE_URL", "https://api.anthropic.com")
fmt = "%Y/%m/%d" if os.environ.get("TZ", "").startswith("Asia/") else "%Y-%m-%d"
mark = "\u02b9" if ".lab." in base else "'"
system = f"You are a fake agent. Today{mark}s date is {datetime.date.today().strftime(fmt)}."
body = {"model": "fake-1", "max_tokens": 64, "system": system,
        "messages": [{"role": "user", "content": "hello"}],
        "metadata": {"user_id": uuid.uuid4().hex}}
req = urllib.request.Request(base + "/v1/messages", data=json.dumps(body).encode(), headers={
    "content-type": "application/json", "x-api-key": "sk-fake", "anthropic-version": "2023-06-01",
    "x-request-id": str(uuid.uuid4())})
with urllib.request.urlopen(req, timeout=20) as resp:
    resp.read()
folder = tempfile.mkdtemp(prefix="fake-")
print("session", uuid.uuid4().hex, "scratch", folder)
"""


@pytest.mark.slow
@pytest.mark.skipif(REASON is not None, reason=REASON or "")
def test_probe_of_a_fake_agent_in_the_sandbox(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if faketime_library() is None:
        pytest.skip("faketime is not installed")
    gw = "base_url=https://llm-gw.corp.test;env.FAKE_BASE_URL=https://llm-gw.corp.test"
    lab = "base_url=https://api.lab.test;env.FAKE_BASE_URL=https://api.lab.test"
    out = tmp_path / "probe.json"
    argv = [
        "probe", "--store", str(tmp_path / "runs.sqlite"), "--timeout", "60",
        "--persona", f"{gw};tz=Etc/UTC;name=utc",
        "--persona", f"{gw};tz=Etc/UTC;name=utc-twin",
        "--persona", f"{gw};tz=Asia/Shanghai;name=shanghai",
        "--persona", f"{lab};tz=Etc/UTC;name=lab",
        "--format", "json", "--output", str(out),
        "/usr/bin/python3", "--", "-c", FAKE_AGENT,
    ]  # fmt: skip
    assert build_parser().parse_args(argv).repeat == 2
    code = main(argv)
    doc = json.loads(out.read_text())
    diffs = doc["differences"]
    by = {d["personas"][1]: d for d in diffs}
    assert code == 1, capsys.readouterr().err
    assert sorted(by) == ["lab", "shanghai"], diffs  # the twin: zero differences
    assert all(d["where"] == "model_request.system" for d in diffs)
    today = datetime.datetime.now(datetime.UTC).date()
    assert by["shanghai"]["after"].endswith(f"is {today:%Y/%m/%d}.")
    assert by["shanghai"]["fields"] == ["tz"]
    assert by["lab"]["code_points"] == ["U+0027 APOSTROPHE -> U+02B9 MODIFIER LETTER PRIME"]
    assert by["lab"]["fields"] == ["base_url", "env.FAKE_BASE_URL"]
    from agentxray.store.runs import RunStore

    store = RunStore(tmp_path / "runs.sqlite")
    try:
        personas = [r.persona.get("name", "") for r in store.list_runs()]
    finally:
        store.close()
    assert sorted(personas) == sorted(["utc", "utc-twin", "shanghai", "lab"] * 2)


def _finding(fid: str, category: Category, **kw: tuple[str, ...]) -> Finding:
    return Finding(
        id=fid, rule="R", category=category, severity="critical",
        title=fid, location=Location("cli.js", 1), **kw,  # type: ignore[arg-type]
    )  # fmt: skip


def test_personas_from_findings() -> None:
    findings = [
        _finding("geo", "geofence", values=("Asia/Shanghai", "Asia/Urumqi", "zh-CN", "-480")),
        _finding("obf-a", "obfuscated-data", decoded=("example-lab.ai", "kw-one", "b.example.io")),
        _finding("obf-b", "obfuscated-data", decoded=("reseller",)),
        _finding("fp", "fingerprint", values=("not a host!",)),
        _finding("ep", "endpoint", values=("api.ignored.test",)),
    ]
    personas, tests = personas_from_findings(findings, limit=8)
    assert personas[0].name == "scan-baseline"
    by = {p.name: p for p in personas}
    assert by["tz=Asia/Shanghai"].get("base_url") == "https://llm-gw.corp.test"
    assert tests["tz=Asia/Shanghai"] == ["geo"]
    assert tests["lang=zh_CN.UTF-8"] == ["geo"]
    assert tests["base_url=https://api.example-lab.ai"] == ["obf-a"]
    assert tests["base_url=https://api.reseller.com"] == ["obf-b"]
    assert "base_url=https://b.example.io" in tests
    assert not any("ignored" in n for n in by)
    small, _ = personas_from_findings(findings, limit=3)
    assert len(small) == 3


def test_host_for() -> None:
    assert host_for("moonshot.example") == "api.moonshot.example"
    assert host_for("gw.corp.example") == "gw.corp.example"
    assert host_for("keyword") == "api.keyword.com"
    assert host_for("https://x.example/v1") == "api.x.example"
    assert host_for("not a host") is None


def test_host_cases_walk_the_decision_table() -> None:
    from agentxray.observe.personas import _host_cases

    values = ["corp-one.example", "labx.example", "kw.example.org", "labx", "solo", "cn"]
    cases = _host_cases(values)
    # a domain holding no keyword, a keyword no domain holds, a domain holding a keyword
    assert cases[:3] == ["api.corp-one.example", "api.solo.com", "api.labx.example"]


def test_targeting_attributes_of_a_flag_request() -> None:
    from agentxray.observe.personas import targeting

    body = json.dumps({"attributes": {"apiBaseUrlHost": "h", "id": "1"}, "url": ""}).encode()
    assert targeting(body) == ["apiBaseUrlHost", "id"]
    assert targeting(b"[1]") == []
