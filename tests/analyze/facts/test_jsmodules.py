"""The bundle module machinery (:mod:`agentxray.analyze.facts.jsmodules`): what an importer's
name stands for in the exporting module, and the reverse."""

from __future__ import annotations

import re

from agentxray.analyze.facts.jsmodules import JsModules
from agentxray.analyze.facts.jsscope import text
from agentxray.analyze.js.parse import parse_js

ESBUILD = b"""var __getOwnPropNames = Object.getOwnPropertyNames;
var __commonJS = (cb, mod) => function __require() {
  return mod || (0, cb[__getOwnPropNames(cb)[0]])((mod = { exports: {} }).exports, mod), mod.exports;
};
var require_probe = __commonJS({
  "a/probe.js"(exports2, module2) {
    function zone() { return Intl.DateTimeFormat().resolvedOptions().timeZone; }
    var table = new Set(["x"]);
    module2.exports = { zone, table, other: () => 1 };
  }
});
var { zone: where, table } = require_probe();
var whole = require_probe();
where(); table.has(1); whole.other();
"""

MINIFIED = b"""var i=(t,e)=>()=>(e||t((e={exports:{}}).exports,e),e.exports);
var l=i((g,c)=>{c.exports=function(){return process.env.TZ}});var f=l();f();
"""

WEBPACK = b"""var __webpack_modules__ = {
  12: (module, exports, __webpack_require__) => {
    __webpack_require__.d(exports, { zone: () => zone });
    function zone() { return process.env.TZ; }
  },
  7: (module, exports, __webpack_require__) => {
    const p = __webpack_require__(12);
    p.zone();
  }
};
function __webpack_require__(id) { return __webpack_modules__[id](); }
"""

TSC = b"""var __commonJS = (cb, mod) => () => (mod || cb((mod = { exports: {} }).exports, mod), mod.exports);
var require_z = __commonJS((exports, module) => {
  Object.defineProperty(exports, "zone", { enumerable: true, get: function () { return zoneOf; } });
  exports.flag = void 0;
  function zoneOf() { return process.env.TZ; }
});
const z = require_z();
z.zone();
"""

BENIGN = b"""function make(cb) { return cb({}); }
var cfg = make((exports, module) => { module.exports = { zone: () => 1 }; });
var { zone } = cfg;
zone();
"""


def _at(data: bytes, modules: JsModules, needle: bytes, nth: int = 0):
    start = [m.start() for m in re.finditer(re.escape(needle), data)][nth]
    node = modules.root.descendant_for_byte_range(start, start + len(needle))
    assert node is not None
    while (
        node.parent is not None
        and node.parent.end_byte <= start + len(needle)
        and (node.parent.start_byte >= start)
    ):
        node = node.parent
    return node


def _modules(data: bytes) -> JsModules:
    return JsModules(data, parse_js(data).root_node)


def test_esbuild_destructured_import_is_the_exported_function() -> None:
    mods = _modules(ESBUILD)
    got = mods.definition(_at(ESBUILD, mods, b"where", 1))
    assert got is not None and got.type == "function_declaration"
    assert text(ESBUILD, got).startswith("function zone()")
    assert got.start_point[0] == 6  # line 7


def test_esbuild_value_and_member_of_whole_module() -> None:
    mods = _modules(ESBUILD)
    use = _at(ESBUILD, mods, b"table.has").child_by_field_name("object")
    assert use is not None
    got = mods.definition(use)
    assert got is not None and text(ESBUILD, got) == 'new Set(["x"])'
    member = mods.definition(_at(ESBUILD, mods, b"whole.other"))
    assert member is not None and member.type == "arrow_function"


def test_uses_are_the_importers_names() -> None:
    mods = _modules(ESBUILD)
    fn = mods.definition(_at(ESBUILD, mods, b"where", 1))
    assert fn is not None
    uses = mods.uses(fn)
    assert [(u.start_point[0], text(ESBUILD, u)) for u in uses] == [(13, "where")]


def test_minified_helper_whole_export() -> None:
    mods = _modules(MINIFIED)
    got = mods.definition(_at(MINIFIED, mods, b"f", 2))
    assert got is not None and got.type == "function_expression"
    assert [text(MINIFIED, u) for u in mods.uses(got)] == ["f"]


def test_webpack_table_and_d_getters() -> None:
    mods = _modules(WEBPACK)
    got = mods.definition(_at(WEBPACK, mods, b"p.zone"))
    assert got is not None and got.type == "function_declaration"
    assert got.start_point[0] == 3


def test_define_property_getter_export() -> None:
    mods = _modules(TSC)
    got = mods.definition(_at(TSC, mods, b"z.zone"))
    assert got is not None and got.type == "function_declaration"
    assert text(TSC, got).startswith("function zoneOf")


def test_a_callback_that_is_no_module_wrapper_stays_unresolved() -> None:
    mods = _modules(BENIGN)
    assert mods.modules() == {}
    assert mods.definition(_at(BENIGN, mods, b"zone", 2)) is None
