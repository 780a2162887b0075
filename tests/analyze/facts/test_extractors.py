"""The fact extractors on tiny hand-written sources: what becomes a fact, where, in which scope."""

from __future__ import annotations

from agentxray.analyze.facts.js import JsFactExtractor
from agentxray.analyze.facts.python import extract_python
from agentxray.analyze.facts.strings import StringsFactExtractor
from agentxray.analyze.interface import SourceUnit
from agentxray.model import Fact, FileEntry


def js_facts(src: str, **needles: frozenset[str]) -> list[Fact]:
    data = src.encode()
    unit = SourceUnit(FileEntry("a.js", "javascript", len(data), ""), data)
    return JsFactExtractor(needles).extract(unit)  # type: ignore[arg-type]


def kv(facts: list[Fact]) -> set[tuple[str, str]]:
    return {(f.kind, f.value) for f in facts}


def test_js_urls_in_comments_are_not_facts() -> None:
    facts = js_facts('// https://docs.example.net/x\nconst u = "https://api.example.net/v1";\n')
    urls = [f for f in facts if f.kind == "url"]
    assert [(f.value, f.detail, f.location.line, f.location.column) for f in urls] == [
        ("https://api.example.net/v1", "api.example.net", 2, 11)
    ]


def test_js_env_reads_whole_env_and_writes() -> None:
    facts = js_facts("let a = process.env.HOME; process.env.X = 1; send({...process.env});")
    assert [(f.kind, f.value) for f in facts] == [("env_read", "HOME"), ("env_read", "*")]


def test_js_calls_carry_scope_span_and_first_argument() -> None:
    src = 'function f(u) { return fetch("https://h.example.org/p"); }\nfetch(x);'
    calls = [f for f in js_facts(src) if f.kind == "call"]
    assert [(c.value, c.detail, c.location.line) for c in calls] == [
        ("fetch", "https://h.example.org/p", 1),
        ("fetch", "x", 2),
    ]
    assert calls[0].scope == "fn@0" and calls[1].scope == ""
    assert calls[0].span is not None and calls[0].span[1] - calls[0].span[0] == len(
        'fetch("https://h.example.org/p")'
    )


def test_js_imports_and_needle_driven_properties_and_strings() -> None:
    src = 'const cp = require("child_process"); import x from "posthog-node";\n'
    src += 'const o = {remoteEval: !0, other: 1}; const p = "/api/eval/abc"; // "/api/eval/ in comment"'
    facts = kv(js_facts(src, property=frozenset({"remoteEval"}), string=frozenset({"/api/eval/"})))
    assert {
        ("import", "child_process"),
        ("import", "posthog-node"),
        ("property", "remoteEval"),
        ("string", "/api/eval/abc"),
    } <= facts
    assert ("property", "other") not in facts
    assert len([f for f in facts if f[0] == "string"]) == 1


def test_python_resolves_aliases_and_skips_docstrings() -> None:
    src = '"""See https://docs.example.org/."""\nimport subprocess as sp\n'
    src += 'def f():\n    sp.run(["ls"])\n    return "https://api.example.org/v1"\n'
    facts = extract_python("a.py", src)
    assert ("call", "subprocess.run") in kv(facts)
    urls = [(f.value, f.location.line, f.scope) for f in facts if f.kind == "url"]
    assert urls == [("https://api.example.org/v1", 5, "f@3")]


def test_strings_file_locations_carry_the_binary_offset() -> None:
    data = b"0x10\tnothing\n0x1a2b\tgo to https://api.example.com/v1 now\n0x30\tsentry ok\n"
    facts = StringsFactExtractor({"string": frozenset({"sentry"})}).extract("bin!strings", data)
    assert [(f.kind, f.value, f.location.line, f.location.offset) for f in facts] == [
        ("url", "https://api.example.com/v1", 2, 0x1A2B),
        ("string", "sentry ok", 3, 0x30),
    ]


def test_host_of_keeps_real_hosts_only() -> None:
    from agentxray.analyze.facts.common import host_of

    assert host_of("https://User@API.Example.com:8443/v1?q") == "api.example.com"
    assert host_of("http://169.254.169.254/latest") == "169.254.169.254"
    assert host_of("http://[fd00:ec2::254]/") == "fd00:ec2::254"
    for partial in ("https://bedrock.", "https://(?:www", "http://x", "https://sts", "https://_"):
        assert host_of(partial) == "", partial


def test_strings_split_literals_that_native_code_keeps_back_to_back() -> None:
    data = b"0x30\tgo https://one.example.devhttps://two.example.dev/v1This is text\n"
    facts = StringsFactExtractor({}).extract("bin!strings", data)
    assert [(f.value, f.detail, f.location.column) for f in facts] == [
        ("https://one.example.dev", "one.example.dev", 9),
        ("https://two.example.dev/v1This", "two.example.dev", 32),
    ]


def test_js_relative_imports_are_internal_modules_not_facts() -> None:
    src = 'import { a } from "./chunk-abc.js"; const b = require("/$bunfs/root/x.js"); import "fs";'
    assert [(f.kind, f.value) for f in js_facts(src)] == [("import", "fs")]


def test_js_destructured_env_reads_name_each_variable() -> None:
    facts = js_facts(
        'const {HOME, "LANG": l, TZ = "UTC"} = process.env; const {...all} = process.env;'
    )
    assert [(f.kind, f.value) for f in facts] == [
        ("env_read", "HOME"),
        ("env_read", "LANG"),
        ("env_read", "TZ"),
        ("env_read", "*"),
    ]


def test_python_relative_imports_are_not_dependencies() -> None:
    facts = extract_python("a.py", "from .posthog import x\nfrom . import y\nimport posthog\n")
    assert [(f.kind, f.value) for f in facts] == [("import", "posthog")]


def test_strings_facts_are_capped_per_kind() -> None:
    # Found by the hostile-input sweep: 2 million URLs in one strings file took 57 s and 1.7 GB.
    data = b"".join(b"0x%x\thttps://h%d.example.com/x secret-needle\n" % (i, i) for i in range(10))
    extractor = StringsFactExtractor({"string": frozenset({"secret-needle"})})
    facts = extractor.extract("bin!strings/rodata.txt", data, max_facts=3)
    assert [(f.kind, f.location.line) for f in facts] == [
        ("url", 1),
        ("string", 1),
        ("url", 2),
        ("string", 2),
        ("url", 3),
        ("string", 3),
    ]
    assert extractor.candidates == 10
