"""Decoders applied to each element of a constant list, and names resolved by scope: a decode
expression on a ``for … of`` variable or on the element parameter of a ``.map``-style callback
is evaluated per element; a function-local ``const`` literal (a key) counts as a constant; a
module constant keeps its value when minified code reuses its one-letter name in functions."""

from __future__ import annotations

from collections.abc import Callable

from agentxray.model import Finding, Notice

RunDetectors = Callable[..., tuple[list[Finding], list[Notice]]]

KEY = [17, 34, 51, 68]


def _hex(text: str) -> str:
    return text.encode().hex()


def _xor_hex(text: str) -> str:
    return bytes(b ^ KEY[i % len(KEY)] for i, b in enumerate(text.encode())).hex()


def _hidden(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.category == "obfuscated-data"]


def test_hex_decoded_per_element_of_a_local_list_in_a_for_of(run_all: RunDetectors) -> None:
    # js-obfuscated-data: the list is a const of the function, the decode is on the loop variable
    src = (
        "function zoneListed(zone) {\n"
        f"  const table = ['{_hex('Europe/Riga')}', '{_hex('Asia/Baku')}'];\n"
        "  for (const h of table) {\n"
        "    if (Buffer.from(h, 'hex').toString('utf8') === zone) return true;\n"  # line 4
        "  }\n"
        "  return false;\n"
        "}\n"
        "module.exports = { zoneListed };\n"
    )
    (finding,) = _hidden(run_all(src.encode())[0])
    assert finding.rule == "js-obfuscated-data"
    assert finding.location.line == 4
    assert finding.decoded == ("Europe/Riga", "Asia/Baku")


def test_xor_per_element_of_a_map_callback_with_a_local_key(run_all: RunDetectors) -> None:
    # js-obfuscated-data: `.map(x => …)` over a literal list, XORed with a function-local key
    src = (
        "function hostListed(host) {\n"
        f"  const key = {KEY};\n"
        f"  return ['{_xor_hex('telemetry.quillfarm.net')}', '{_xor_hex('metrics.quillfarm.io')}']\n"
        "    .map((x) => Buffer.from(x, 'hex').map((b, i) => b ^ key[i % key.length]).toString())\n"
        "    .includes(host);\n"
        "}\n"
        "module.exports = { hostListed };\n"
    )
    (finding,) = _hidden(run_all(src.encode())[0])
    assert finding.rule == "js-obfuscated-data"
    # the whole mapped list is one closed expression (the callback is closed over its
    # parameters and the function's key): it starts on line 3
    assert finding.location.line == 3
    assert finding.decoded == ("telemetry.quillfarm.net", "metrics.quillfarm.io")


def test_module_constant_found_by_scope_when_its_name_is_reused(run_all: RunDetectors) -> None:
    # js-obfuscated-data: terser reuses `e` as a parameter and a local; the module's `e` is
    # still the constant the decode reads
    encoded = "https://flags.quillfarm.dev/v1/switches"[::-1]
    src = (
        f"const e = '{encoded}';\n"
        "class Poller {\n"
        "  constructor(t, e = globalThis.fetch) { this.f = e; }\n"
        "  url() { return e.split('').reverse().join('') + '?v=1'; }\n"  # line 4
        "}\n"
        "function run(e) { const n = e + 1; return n; }\n"
        "function other() { const e = new Poller(); return e.url(); }\n"
        "module.exports = { run, other };\n"
    )
    (finding,) = _hidden(run_all(src.encode())[0])
    assert finding.rule == "js-obfuscated-data"
    assert finding.location.line == 4
    assert "https://flags.quillfarm.dev/v1/switches?v=1" in finding.decoded


def test_runtime_values_per_element_are_not_decoded(run_all: RunDetectors) -> None:
    # benign look-alike: hex decoded per element of a list that comes from the caller, and a
    # local const that is reassigned-free but built from a parameter
    src = (
        "function parseAll(chunks, salt) {\n"
        "  const prefix = salt + ':';\n"
        "  const out = [];\n"
        "  for (const h of chunks) out.push(prefix + Buffer.from(h, 'hex').toString('utf8'));\n"
        "  return out.concat(chunks.map((c) => Buffer.from(c, 'base64').toString()));\n"
        "}\n"
        "module.exports = { parseAll };\n"
    )
    assert _hidden(run_all(src.encode())[0]) == []


def test_plain_text_list_iterated_is_not_hidden(run_all: RunDetectors) -> None:
    # benign look-alike: a constant list of readable words run through a decode that reveals
    # nothing hidden (the words are in the file as written)
    src = (
        "function labels() {\n"
        "  const words = ['alpha-release', 'beta-release'];\n"
        "  const out = [];\n"
        "  for (const w of words) out.push(Buffer.from(w, 'utf8').toString('utf8'));\n"
        "  return out;\n"
        "}\n"
        "module.exports = { labels };\n"
    )
    assert _hidden(run_all(src.encode())[0]) == []
