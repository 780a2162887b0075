"""The simplification rounds on small hand-written snippets: each rewrite, and what it leaves alone."""

from __future__ import annotations

import pytest

from agentxray.analyze.js.deobfuscate.deobfuscator import simplify_until_stable
from agentxray.analyze.js.deobfuscate.syntax import parse


def simplified(source: str) -> str:
    """``source`` after the simplification rounds (which must keep it free of syntax errors)."""
    result = simplify_until_stable(source.encode())
    assert not parse(result.data, False).root_node.has_error
    return result.data.decode()


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        # split strings are joined, also after a non-constant head
        ("x = 'Asi' + 'a/S' + 'hang' + 'hai';", "x = 'Asia/Shanghai';"),
        ("y = a + 'b' + 'c';", "y = a + 'bc';"),
        # escapes decoded, hex numbers written in decimal, !![] and ![] as booleans
        ("z = '\\x41\\u0073ia';", "z = 'Asia';"),
        ("n = 0x1e0; m = -0x1e0;", "n = 480; m = -480;"),
        ("while (!![]) { go(![]); }", "while (true) { go(false); }"),
        # computed member access and quoted keys with identifier names
        (
            "Intl['DateTimeFormat']()['resolvedOptions']();",
            "Intl.DateTimeFormat().resolvedOptions();",
        ),
        ("o = {'timeZone': 1, 'a-b': 2};", "o = {timeZone: 1, 'a-b': 2};"),
        # constant conditions choose their branch
        ("if ('abc' === 'abc') { a(); } else { b(); }", "a();"),
        ("if ('abc' !== 'abc') { a(); }\nc();", "c();"),
        ("v = 'x' === 'y' ? p : q;", "v = q;"),
        # an object built key by key is written as a literal
        ("const o = {}; o['a'] = 1; o.b = f; use(o); keep(o);", "const o = {a: 1, b: f};"),
        # sequences become statements; guards become ifs
        ("function f(g) { return g.a = 1, g.b = 2, g; }", "g.a = 1; g.b = 2; return g;"),
        ("c && (a = 1, b = 2);", "if (c) { a = 1; b = 2; }"),
        ("c || d();", "if (!(c)) { d(); }"),
    ],
)
def test_rewrite(source: str, expected: str) -> None:
    assert expected in simplified(source)


def test_dead_branch_is_gone() -> None:
    out = simplified("if ('abc' === 'abc') { a(); } else { b(); }")
    assert "b()" not in out and "if" not in out


def test_proxy_object_is_inlined_and_removed() -> None:
    out = simplified(
        "function f(x) {\n"
        "  const p = {'cmp': function (a, b) { return a === b; }, 'call': function (g, v) "
        "{ return g(v); }, 'lit': 'Asia/Shanghai'};\n"
        "  if (p['cmp'](x, p.lit)) { p.call(go, x + 1); }\n"
        "}"
    )
    assert "x === 'Asia/Shanghai'" in out
    assert "go(x + 1)" in out
    assert "cmp" not in out and "const p" not in out


def test_proxy_object_written_to_is_kept() -> None:
    source = "const p = {'k': 'v'}; use(p.k); p.k = 'w'; use(p.k);"
    assert simplified(source).count("use(p.k)") == 2


def test_aliases_are_followed_to_what_they_copy() -> None:
    out = simplified(
        "function f(x) {\n"
        "  var store = {'pick': function (a, b) { return a + b; }, 'sep': '.'};\n"
        "  var alias = store, other = alias;\n"
        "  return other.pick(x, alias.sep);\n"
        "}"
    )
    assert "return x + '.';" in out
    assert "store" not in out and "alias" not in out and "other" not in out


def test_an_alias_shadowed_at_a_use_is_kept() -> None:
    source = "function f(o) { var a = o; return function (o) { return a.k + o; }; }"
    assert "var a = o" in simplified(source)


def test_unused_functions_stay_as_evidence() -> None:
    source = "function f() { var unused = function () { return readToken(); }; var n = 1; }"
    out = simplified(source)
    assert "readToken" in out and "var n" not in out


def test_plain_code_is_left_as_it_is() -> None:
    source = "function add(a, b) {\n  return a + b;\n}\nmodule.exports = { add };\n"
    result = simplify_until_stable(source.encode())
    assert result.data.decode() == source and result.rounds == 0


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        # computed keys of class and object methods, class fields and destructuring
        ("class A { ['run']() { return 1; } static ['of'](x) {} }", "class A { run() {"),
        ("class A { static ['of'](x) {} }", "static of(x)"),
        ("o = { ['go']() { return 2; }, async ['s-t']() {} };", "o = { go() {"),
        ("o = { async ['s-t']() {} };", "async 's-t'() {}"),
        ("class B { ['field'] = 1; }", "class B { field = 1; }"),
        ("const { ['env']: e } = process;", "const { env: e } = process;"),
    ],
)
def test_computed_keys_become_plain(source: str, expected: str) -> None:
    assert expected in simplified(source)


@pytest.mark.parametrize(
    "source",
    [
        # a computed "constructor" is an ordinary method; a computed "__proto__" an own property
        "class A { ['constructor']() { return 1; } }",
        "o = { ['__proto__']: p };",
        "o = { [key]: 1 };",
    ],
)
def test_computed_keys_that_mean_something_else_plainly_are_kept(source: str) -> None:
    assert simplified(source) == source


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        # an object hoisted into a variable just before its only use goes back into the use
        (
            "async function f(h, b) { const o = {method: 'POST', body: b}; "
            "const r = await h(u, o); return r; }",
            "const r = await h(u, {method: 'POST', body: b});",
        ),
        ("const e = {A: A, B: B};\nmodule.exports = e;", "module.exports = {A: A, B: B};"),
        (
            "function g(d) { const i = {x: 1}; const j = {h: i, d: d && d.m}; return send(j); }",
            "return send({h: {x: 1}, d: d && d.m});",
        ),
    ],
)
def test_hoisted_objects_go_back(source: str, expected: str) -> None:
    assert expected in simplified(source)


@pytest.mark.parametrize(
    "source",
    [
        # used twice, used later than the next statement, made by a call, used in a loop or a
        # function of the next statement (made once before, many times after), written before
        # the use in the same statement, or a shorthand property
        "function f() { const o = {a: 1}; use(o, o); }",
        "function f() { const o = {a: 1}; step(); use(o); }",
        "function f() { const o = {a: make()}; use(o); }",
        "function f() { const o = {a: 1}; for (const x of xs) use(o); }",
        "function f() { const o = {a: 1}; xs.map(() => use(o)); }",
        "function f(n) { const o = {a: n}; use(n = 2, o); }",
        "function f() { const o = {a: 1}; use({o}); }",
    ],
)
def test_objects_that_cannot_move_stay(source: str) -> None:
    assert simplified(source) == source


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        # parentheses left by inlined proxy functions, where they change nothing
        ("x = t[(((k * 7) + 3) % t.length)];", "x = t[(k * 7 + 3) % t.length];"),
        ("f((a + b), (c));", "f(a + b, c);"),
        ("const v = (a * b);", "const v = a * b;"),
        ("function g() { return (a - b); }", "return a - b;"),
        ("y = (a - b) - c;", "y = a - b - c;"),
    ],
)
def test_redundant_parentheses_go(source: str, expected: str) -> None:
    assert expected in simplified(source)


@pytest.mark.parametrize(
    "source",
    [
        # precedence, associativity, ``**``/``??``, comma sequences, ``in`` in a for head,
        # an object after ``return``
        "y = a - (b - c);",
        "y = (a + b) * c;",
        "y = (a ** b) ** c;",
        "y = (a || b) ?? c;",
        "f((a, b));",
        "for (var i = (a in b); i; ) {}",
        "function g() { return ({}); }",
    ],
)
def test_parentheses_that_matter_stay(source: str) -> None:
    assert simplified(source) == source
