"""Decoders inside bundler output (red team 9 classes, issue 7): hidden data, decoder and use
live in different modules of one file and meet through the bundler's machinery.

* a module wrapper's ``var`` constants (esbuild ``__commonJS``, a webpack module function) are
  constants when declared once and never written again;
* a parameterless function stored as a module's export (``exports.hosts = () => { … }``)
  decodes its module's constants;
* a decoder stored under a member (``t.unpack = function (e) { … }``, ``{ dec: (s) => … }``)
  is called from another module through its exports (``(0, n.unpack)(o)``, ``lib.dec("…")``);
* tsc's static fields, assigned after the class (``Locator.data = "…"``);
* char-code arithmetic (a run-length count, a shift) and characters picked from a scrambled
  alphabet by a list of indices (``IDX.map((i) => ALPHA[i]).join("")``).

Each fires with the rule id and line asserted; each has a benign look-alike that stays silent.
"""

from __future__ import annotations

import base64
from collections.abc import Callable

from agentxray.model import Finding, Notice

RunDetectors = Callable[..., tuple[list[Finding], list[Notice]]]


def _hidden(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.category == "obfuscated-data"]


def _xor_b64(text: str, key: str) -> str:
    raw = bytes(ord(c) ^ ord(key[i % len(key)]) for i, c in enumerate(text))
    return base64.b64encode(raw).decode()


def _rle(text: str) -> str:
    return "".join(f"{c}1" for c in text)


# --- module wrapper constants and parameterless exports -------------------------------------


def test_esbuild_module_var_constants_decoded_by_an_exported_arrow(run_all: RunDetectors) -> None:
    # js-obfuscated-data: the export reads its module's `var` constants (esbuild __commonJS)
    enc = _xor_b64("mirror.keelwater.io,sync.keelwater.io", "kw9")
    src = (
        "var __commonJS = (cb, mod) => function __require() {\n"
        "  return mod || (0, cb[Object.getOwnPropertyNames(cb)[0]])((mod = { exports: {} })"
        ".exports, mod), mod.exports;\n"
        "};\n"
        "var require_list = __commonJS({\n"
        '  "src/list.js"(exports2) {\n'
        '    var K = "kw9";\n'
        f'    var P = "{enc}";\n'
        "    exports2.hosts = () => {\n"  # line 8
        "      const s = atob(P);\n"
        '      let o = "";\n'
        "      for (let i = 0; i < s.length; i++)\n"
        "        o += String.fromCharCode(s.charCodeAt(i) ^ K.charCodeAt(i % K.length));\n"
        '      return o.split(",");\n'
        "    };\n"
        "  }\n"
        "});\n"
        "var { hosts } = require_list();\n"
        "module.exports = (h) => hosts().includes(h);\n"
    )
    (finding,) = _hidden(run_all(src.encode())[0])
    assert finding.rule == "js-obfuscated-data"
    assert finding.location.line == 8
    assert finding.decoded == ("mirror.keelwater.io", "sync.keelwater.io")


def test_minified_module_var_codes_decoded_through_apply(run_all: RunDetectors) -> None:
    # js-obfuscated-data: another idiom, a minified wrapper with `var` codes, (v - 7) / 3
    codes = ",".join(str(ord(c) * 3 + 7) for c in "ns.keelwater.io")
    src = (
        "var s=(e,t)=>()=>(t||e((t={exports:{}}).exports,t),t.exports);"
        f"var i=s((y,c)=>{{var f=[{codes}],p=()=>String.fromCharCode.apply(null,"
        "f.map(e=>(e-7)/3));c.exports={zone:p}});"
        "var{zone:z}=i();module.exports=()=>z();\n"
    )
    (finding,) = _hidden(run_all(src.encode())[0])
    assert finding.rule == "js-obfuscated-data"
    assert finding.location.line == 1
    assert finding.decoded == ("ns.keelwater.io",)


def test_module_var_written_again_is_not_a_constant(run_all: RunDetectors) -> None:
    # benign look-alike: the module's `var` is a buffer the module fills from its callers
    enc = _xor_b64("mirror.keelwater.io", "kw9")
    src = (
        "var s=(e,t)=>()=>(t||e((t={exports:{}}).exports,t),t.exports);\n"
        "var i=s((y,c)=>{\n"
        f'  var P = "{enc}";\n'
        "  c.exports = { set: (v) => { P = v; }, text: () => atob(P) };\n"
        "});\n"
        "module.exports = i;\n"
    )
    assert _hidden(run_all(src.encode())[0]) == []


# --- a decoder exported by one module, called from another ---------------------------------


def test_webpack_exported_decoder_called_through_the_module_table(run_all: RunDetectors) -> None:
    # js-obfuscated-data: run-length decoder in module 771, called as (0, n.unpack)(o) from 802
    enc = _rle("https://pulse.keelwater.io/v1")
    src = (
        '!function(){"use strict";var e={771:function(e,t,r){t.unpack=function(e){'
        'for(var t="",r=0;r<e.length;r+=2){var n=e.charCodeAt(r+1)-48;t+=e[r].repeat(n)}'
        "return t}},\n"
        f'802:function(e,t,r){{var n=r(771),o="{enc}";\n'
        'Object.defineProperty(t,"url",{enumerable:!0,get:function(){return(0,n.unpack)(o)}})}},\n'
        "},t={};function r(n){var o=t[n];if(void 0!==o)return o.exports;"
        "var i=t[n]={exports:{}};return e[n](i,i.exports,r),i.exports}"
        "module.exports=r(802)}();\n"
    )
    (finding,) = _hidden(run_all(src.encode())[0])
    assert finding.rule == "js-obfuscated-data"
    assert finding.location.line == 1  # the decoder, in module 771
    assert finding.decoded == ("https://pulse.keelwater.io/v1",)


def test_object_member_decoder_called_on_another_modules_receiver(
    run_all: RunDetectors,
) -> None:
    # js-obfuscated-data: another idiom, `{ dec: (s) => … }` exported, `lib.dec("…")` elsewhere
    shifted = "".join(chr(ord(c) + 2) for c in "https://pulse.keelwater.io/collect")
    src = (
        "var require_codec = __commonJS({\n"
        '  "lib/codec.js"(exports2, module2) {\n'
        "    module2.exports = { dec: (s) => Array.from(s, (c) => "
        "String.fromCharCode(c.charCodeAt(0) - 2)).join('') };\n"
        "  }\n"
        "});\n"
        "var lib = require_codec();\n"
        f"var endpoint = lib.dec({shifted!r});\n"
        "module.exports = { endpoint };\n"
    )
    (finding,) = _hidden(run_all(src.encode())[0])
    assert finding.rule == "js-obfuscated-data"
    assert finding.location.line == 3  # the decoder, in the codec module
    assert finding.decoded == ("https://pulse.keelwater.io/collect",)


def test_exported_digit_parser_called_with_input_stays_silent(run_all: RunDetectors) -> None:
    # benign look-alike: a module exports a digit parser (char code - 48) called on user input,
    # and a second module defines a function of the same name (the receiver decides)
    src = (
        "var e={1:function(e,t){t.digits=function(s){var n=0;"
        "for(var i=0;i<s.length;i++)n=n*10+(s.charCodeAt(i)-48);return n}},\n"
        "2:function(e,t,r){var d=r(1);t.parse=function(x){return(0,d.digits)(x)}},\n"
        "3:function(e,t){t.digits=function(s){return s.replace(/\\D/g,'')}}};\n"
        "module.exports=function(argv){return e[2]({},{},function(){return{}}).parse(argv[2])};\n"
    )
    assert _hidden(run_all(src.encode())[0]) == []


# --- tsc static fields -----------------------------------------------------------------------


def test_tsc_static_field_assigned_after_the_class(run_all: RunDetectors) -> None:
    # js-obfuscated-data: `static host()` decodes `Locator.data`, which tsc emits after the class
    hexed = b"https://vault.keelwater.io/k".hex()
    src = (
        '"use strict";\n'
        "class Locator {\n"
        "    static host() {\n"  # line 3
        "        const bytes = [];\n"
        "        for (let i = 0; i < Locator.data.length; i += 2)\n"
        "            bytes.push(parseInt(Locator.data.substr(i, 2), 16));\n"
        "        return String.fromCharCode(...bytes);\n"
        "    }\n"
        "}\n"
        f'Locator.data = "{hexed}";\n'
        "exports.Locator = Locator;\n"
    )
    (finding,) = _hidden(run_all(src.encode())[0])
    assert finding.rule == "js-obfuscated-data"
    assert finding.location.line == 3
    assert finding.decoded == ("https://vault.keelwater.io/k",)


def test_tsc_static_field_from_the_environment_stays_silent(run_all: RunDetectors) -> None:
    # benign look-alike: the static field comes from the environment, not from the file
    src = (
        '"use strict";\n'
        "class Locator {\n"
        "    static host() {\n"
        "        const bytes = [];\n"
        "        for (let i = 0; i < Locator.data.length; i += 2)\n"
        "            bytes.push(parseInt(Locator.data.substr(i, 2), 16));\n"
        "        return String.fromCharCode(...bytes);\n"
        "    }\n"
        "}\n"
        'Locator.data = process.env.LOCATOR_HEX || "";\n'
        "exports.Locator = Locator;\n"
    )
    assert _hidden(run_all(src.encode())[0]) == []


# --- characters picked from a scrambled alphabet ---------------------------------------------


def _alphabet_indices(text: str, alphabet: str) -> str:
    return ", ".join(str(alphabet.index(c)) for c in text)


_ALPHA = "q7wXe2rTy9uIo0pAs4dFg6hJk1lZx8cVb3nMm5QWERtYUiOPaSDfGHjKLzCvBN-_./:"


def test_alphabet_lookup_arrow(run_all: RunDetectors) -> None:
    # js-obfuscated-data: indices into a scrambled alphabet, joined
    idx = _alphabet_indices("https://relay.keelwater.io/u", _ALPHA)
    src = (
        f'const ALPHA = "{_ALPHA}";\n'
        f"const IDX = [{idx}];\n"
        'const endpoint = () => IDX.map((i) => ALPHA[i]).join("");\n'  # line 3
        "module.exports = { endpoint };\n"
    )
    (finding,) = _hidden(run_all(src.encode())[0])
    assert finding.rule == "js-obfuscated-data"
    assert finding.location.line == 3
    assert "lookup table" in finding.title + finding.message
    assert finding.decoded == ("https://relay.keelwater.io/u",)


def test_alphabet_lookup_es5_callback(run_all: RunDetectors) -> None:
    # js-obfuscated-data: another idiom, an ES5 callback and `var`
    idx = _alphabet_indices("relay.keelwater.io", _ALPHA)
    src = (
        f'var T = "{_ALPHA}", N = [{idx}];\n'
        "exports.host = N.map(function (n) { return T[n]; }).join('');\n"  # line 2
    )
    (finding,) = _hidden(run_all(src.encode())[0])
    assert finding.rule == "js-obfuscated-data"
    assert finding.location.line == 2
    assert finding.decoded == ("relay.keelwater.io",)


def test_lookup_of_caller_keys_stays_silent(run_all: RunDetectors) -> None:
    # benign look-alike: a label table looked up by the caller's keys
    src = (
        'const LABELS = { a: "alpha ", b: "beta ", c: "gamma " };\n'
        'const render = (keys) => keys.map((k) => LABELS[k]).join("");\n'
        "module.exports = { render };\n"
    )
    assert _hidden(run_all(src.encode())[0]) == []


def test_exported_template_returned_as_written_is_not_hidden(run_all: RunDetectors) -> None:
    # benign: a webpack module exports a code template in a single-quoted literal (raw `"`,
    # the text `String.fromCharCode(46)` inside it); evaluating the export returns the literal
    # as written, which reveals nothing (javascript-obfuscator's own templates look like this)
    src = (
        '(()=>{var e={12:(e,t)=>{Object.defineProperty(t,"__esModule",{value:!0}),'
        't.LockTemplate=function(){return\'\\n  const d = "x";\\n'
        "  const dot = String.fromCharCode(46);\\n  return d + dot;\\n'}}};"
        "module.exports=e[12]})();\n"
    )
    assert _hidden(run_all(src.encode())[0]) == []
