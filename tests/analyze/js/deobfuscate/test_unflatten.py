"""Control-flow flattening: dispatchers straightened, anything else left alone."""

from __future__ import annotations

from agentxray.analyze.js.deobfuscate.deobfuscator import simplify_until_stable

DISPATCHER = """function run(o) {
  const order = '2|0|1'.split('|');
  let i = 0;
  while (!![]) {
    switch (order[i++]) {
      case '0':
        o.b = 2;
        continue;
      case '1':
        return o;
      case '2':
        o.a = 1;
        for (let k = 0; k < 3; k++) { if (k) continue; }
        continue;
    }
    break;
  }
}
"""


def test_dispatcher_becomes_straight_line_code_in_its_order() -> None:
    result = simplify_until_stable(DISPATCHER.encode())
    out = result.data.decode()
    assert result.dispatchers == 1
    assert "switch" not in out and "split" not in out and "let i" not in out
    assert out.index("o.a = 1") < out.index("o.b = 2") < out.index("return o")
    assert "if (k) continue;" in out  # the loop's own continue stays


def test_straightened_code_maps_back_to_its_case() -> None:
    result = simplify_until_stable(DISPATCHER.encode())
    where = result.positions.to_original(result.data.index(b"o.b = 2"))
    assert where == DISPATCHER.encode().index(b"o.b = 2")


def test_a_jump_out_of_the_dispatcher_keeps_it() -> None:
    source = DISPATCHER.replace("o.b = 2;", "if (o.stop) break;\n        o.b = 2;")
    result = simplify_until_stable(source.encode())
    assert result.dispatchers == 0 and "switch" in result.data.decode()


def test_a_counter_used_elsewhere_keeps_it() -> None:
    source = DISPATCHER.replace("return o;", "return i;")
    result = simplify_until_stable(source.encode())
    assert result.dispatchers == 0
