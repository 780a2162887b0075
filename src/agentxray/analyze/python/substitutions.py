"""Changes made to produced text under a condition: characters replaced by look-alikes
(``replace``, ``re.sub``, ``translate`` tables, per-character maps), separators swapped,
invisible characters added around or after it, and data encoded as invisible characters."""

from __future__ import annotations

import ast
import logging
import re

from agentxray.analyze.behaviour.unicode import INVISIBLE, skeleton
from agentxray.analyze.python.analysis import PyAnalysis
from agentxray.analyze.python.choices import (
    SEPARATORS,
    Choice,
    lookalikes,
    tests_of,
    text_value,
)
from agentxray.analyze.python.comparisons import maybe_table
from agentxray.analyze.python.decoders import Unsupported
from agentxray.analyze.python.signals import IDENTITY_KINDS, literal_str
from agentxray.analyze.python.transforms import loop_source

logger = logging.getLogger(__name__)

INVISIBLE_BLOCKS = ((0xE0000, 0xE007F), (0xFE00, 0xFE0F), (0xE0100, 0xE01EF), (0x200B, 0x200F))
"""Code-point blocks data can be written in without showing: tag characters, variation
selectors, zero-width characters."""
_CHAIN_METHODS = frozenset({"replace", "translate"})
_SUB_CALLS = frozenset({"re.sub", "re.subn"})
_GENERATORS = (ast.GeneratorExp, ast.ListComp, ast.comprehension)


def _assigned_name(a: PyAnalysis, node: ast.AST) -> str | None:
    """The variable ``node`` is stored in: ``x = node``, or an element of it (``words[i] =
    node``: the text goes on inside the list)."""
    parent = a.index.parent(node)
    if isinstance(parent, ast.Assign) and len(parent.targets) == 1:
        target = parent.targets[0]
        if isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
            return target.value.id
        return target.id if isinstance(target, ast.Name) else None
    return None


def homoglyph_table(a: PyAnalysis, node: ast.AST) -> list[tuple[str, str]] | None:
    """``{"a": "а", "e": "е"}`` or ``str.maketrans("ae", "ае")``: ASCII characters mapped to
    non-ASCII look-alikes (the reverse, a normaliser, is not a watermark)."""
    if not maybe_table(a.index, node):
        return None
    try:
        value = a.ev.value(node)
    except (Unsupported, RecursionError, MemoryError):
        return None
    if not isinstance(value, dict) or not 2 <= len(value) <= 2000:
        return None
    pairs: list[tuple[str, str]] = []
    for k, v in value.items():
        key = chr(k) if type(k) is int and 0 <= k < 0x110000 else k
        new = chr(v) if type(v) is int and 0 <= v < 0x110000 else v
        if not (isinstance(key, str) and isinstance(new, str)) or key == new:
            continue
        if key.isascii() and not new.isascii() and skeleton(new) == skeleton(key):
            pairs.append((key, new))
    return pairs if len(pairs) >= 2 and len(pairs) * 2 >= len(value) else None


def _pairs(a: PyAnalysis, call: ast.Call) -> list[tuple[str, str]]:
    """(old, new) replacements one call makes."""
    func = call.func
    if isinstance(func, ast.Attribute) and func.attr == "replace" and len(call.args) >= 2:
        old, new = text_value(a, call.args[0]), text_value(a, call.args[1])
        return [(old, new)] if old is not None and new is not None and old != new else []
    if isinstance(func, ast.Attribute) and func.attr == "translate" and call.args:
        return homoglyph_table(a, call.args[0]) or []
    if a.ev.dotted(func) in _SUB_CALLS and len(call.args) >= 3:
        pattern, repl = text_value(a, call.args[0]), text_value(a, call.args[1])
        if pattern is None or repl is None:
            return []
        plain = re.sub(r"\\(.)", r"\1", pattern)
        options = re.fullmatch(r"\[([^\]]+)\]", plain)
        olds = list(options.group(1)) if options else [plain]
        return [(o, repl) for o in olds if o != repl]
    return []


def _chain(a: PyAnalysis, call: ast.Call) -> list[ast.Call]:
    """The substitution calls of ``x.replace(..).replace(..)`` (outermost first)."""
    out = [call]
    cur: ast.AST = call
    while (
        isinstance(cur, ast.Call)
        and isinstance(cur.func, ast.Attribute)
        and cur.func.attr in _CHAIN_METHODS
        and isinstance(cur.func.value, ast.Call)
    ):
        cur = cur.func.value
        out.append(cur)
    return out


def _is_substitution(a: PyAnalysis, node: ast.AST) -> bool:
    if not isinstance(node, ast.Call):
        return False
    if isinstance(node.func, ast.Attribute) and node.func.attr in _CHAIN_METHODS:
        return True
    return a.ev.dotted(node.func) in _SUB_CALLS


def substitution_choices(a: PyAnalysis) -> list[Choice]:
    """Conditional ``replace``/``re.sub``/``translate`` of look-alikes or separators, and
    per-character look-alike maps (``HOMOGLYPHS.get(ch, ch)``) under a condition."""
    out: list[Choice] = []
    for node in a.index.nodes(ast.Call):
        if not isinstance(node, ast.Call) or not _is_substitution(a, node):
            continue
        parent = a.index.parent(node)
        outer = a.index.parent(parent) if isinstance(parent, ast.Attribute) else None
        if outer is not None and _is_substitution(a, outer):
            continue  # an inner link of a chain
        pairs = [p for c in _chain(a, node) for p in _pairs(a, c)]
        look = [(o, n) for o, n in pairs if not n.isascii() and lookalikes([o, n])]
        seps = [
            (o, n)
            for o, n in pairs
            if 0 < len(o) <= 2 and 0 < len(n) <= 2 and set(o + n) <= SEPARATORS
        ]
        tests = tests_of(a, node)
        target = _assigned_name(a, node)
        if look and tests:
            variants = [*dict.fromkeys(o for o, _ in look), *dict.fromkeys(n for _, n in look)]
            out.append(Choice(node, tests, variants, target, substitution=True, guarded=[node]))
        elif seps and tests:
            old, new = seps[0]
            out.append(Choice(node, tests, [old, new], target, separator=True, guarded=[node]))
    out.extend(_character_maps(a))
    return out


def _character_maps(a: PyAnalysis) -> list[Choice]:
    """``MAP.get(ch, ch)``/``MAP[ch]`` over a homoglyph table, with a guard."""
    out: list[Choice] = []
    for node in a.index.nodes(ast.Call, ast.Subscript):
        table: ast.AST | None = None
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "get"
            and node.args
        ):
            table = node.func.value
        elif (
            isinstance(node, ast.Subscript)
            and isinstance(node.ctx, ast.Load)
            and not isinstance(node.slice, (ast.Constant, ast.Slice))
        ):
            table = node.value
        if not isinstance(table, (ast.Name, ast.Attribute, ast.Dict)):
            continue
        pairs = homoglyph_table(a, table)
        tests = tests_of(a, node) if pairs else []
        if pairs and tests:
            variants = [*(o for o, _ in pairs), *(n for _, n in pairs)]
            out.append(Choice(node, tests, variants, substitution=True, guarded=[node]))
    return out


def _invisible(text: str | None) -> bool:
    return bool(text) and all(ch in INVISIBLE for ch in text or "")


def _invisible_name(a: PyAnalysis, node: ast.AST) -> bool:
    """A name bound once to an invisible string literal (``JOINER = "\u2060"``)."""
    if not isinstance(node, ast.Name):
        return False
    bound, _ = a.index.lookup(node.id, node)
    return len(bound) == 1 and _invisible(literal_str(bound[0]))


MAX_CALLERS = 5


def _caller_tests(a: PyAnalysis, node: ast.AST) -> list[ast.expr]:
    """The tests guarding the calls of the helper that holds ``node`` (``mark(p) if n else p``):
    a helper inserting marks runs when its callers' conditions hold."""
    fn = a.index.function_of(node)
    if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return []
    return [
        t for call in a.describer.calls(fn.name)[:MAX_CALLERS] for t, _ in a.describer.guards(call)
    ]


def insertion_choices(a: PyAnalysis) -> list[Choice]:
    """``x += "\u200b"``, ``x = "\u2066" + x + "\u2069"``, ``f"\u2066{x}\u2069"`` under a
    condition: invisible characters added to a text."""
    out: list[Choice] = []
    for node in a.index.nodes(ast.AugAssign, ast.BinOp, ast.JoinedStr, ast.Call):
        inserted: str | None = None
        target: str | None = None
        if isinstance(node, ast.Call):
            # ``"\u200b".join(text.split(" "))``: an invisible separator between the words
            func = node.func
            if not (isinstance(func, ast.Attribute) and func.attr == "join" and node.args):
                continue
            if isinstance(node.args[0], (ast.List, ast.Tuple)) and all(
                isinstance(e, ast.Constant) for e in node.args[0].elts
            ):
                continue  # constant pieces joined: an emoji ZWJ sequence, not text marked
            text = text_value(a, func.value)
            inserted, target = (text, _assigned_name(a, node)) if _invisible(text) else (None, None)
        elif isinstance(node, ast.AugAssign):
            if isinstance(node.op, ast.Add) and isinstance(node.target, ast.Name):
                text = text_value(a, node.value)
                inserted, target = (text, node.target.id) if _invisible(text) else (None, None)
        elif isinstance(a.index.parent(node), (ast.BinOp, ast.JoinedStr, ast.FormattedValue)):
            continue  # only the outermost concatenation
        else:
            parts = _concatenated(node)
            # literals, and module constants holding invisible text (``JOINER + word``)
            literal = [p for p in parts if isinstance(p, ast.Constant) or _invisible_name(a, p)]
            dynamic = [p for p in parts if not any(p is x for x in literal)]
            texts = [text_value(a, p) for p in literal]
            if len(dynamic) == 1 and literal and all(_invisible(t) for t in texts):
                inserted = "".join(t or "" for t in texts)
                target = _assigned_name(a, node)
        tests = [*tests_of(a, node), *_caller_tests(a, node)] if inserted else []
        if inserted and tests:
            choice = Choice(node, tests, ["", inserted], target, guarded=[node], insert=True)
            out.append(choice)
    return out


def _concatenated(node: ast.AST) -> list[ast.expr]:
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return [*_concatenated(node.left), *_concatenated(node.right)]
    if isinstance(node, ast.JoinedStr):
        return [v.value if isinstance(v, ast.FormattedValue) else v for v in node.values]
    return [node] if isinstance(node, ast.expr) else []


TAG_TEXT = (0xE0020, 0xE007E)
"""Tag characters that mirror printable ASCII (``U+E0041`` is an invisible ``A``)."""
MIN_TAG_RUN = 3


def tag_text(value: object) -> list[str]:
    """The ASCII text spelled by runs of invisible tag characters in a string literal (ASCII
    smuggling: ``"\U000e0069\U000e0064"`` is ``id``); runs shorter than :data:`MIN_TAG_RUN`
    (an emoji's subdivision flag tail) are not text."""
    if not isinstance(value, str):
        return []
    lo, hi = TAG_TEXT
    out: list[str] = []
    run: list[str] = []
    before = ""
    for ch in [*value, ""]:
        if ch and lo <= ord(ch) <= hi:
            run.append(chr(ord(ch) - 0xE0000))
            continue
        # An emoji tag sequence (🏴 + "gbsct" + CANCEL TAG: the flag of Scotland) is a picture.
        emoji = before >= "\U0001f000" and ch == "\U000e007f"
        if len(run) >= MIN_TAG_RUN and any(c.isalnum() for c in run) and not emoji:
            out.append("".join(run))
        run = []
        before = ch
    return out


def _in_block(value: object) -> bool:
    return type(value) is int and any(lo <= value <= hi for lo, hi in INVISIBLE_BLOCKS)


def encoding_choices(a: PyAnalysis) -> list[Choice]:
    """``chr(0xE0000 + ord(c))`` and the like: data written in invisible code points."""
    out: list[Choice] = []
    done: set[int] = set()
    for node in a.index.nodes(ast.Call):
        if not (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "chr"
            and len(node.args) == 1
            and isinstance(node.args[0], ast.BinOp)
            and isinstance(node.args[0].op, (ast.Add, ast.BitOr))
        ):
            continue
        expr = node.args[0]
        base, data = _split_base(a, expr)
        if data is None:
            continue
        carrier = _carrier(a, node)
        if id(carrier) in done:
            continue
        done.add(id(carrier))
        alphabet = "tag characters" if 0xE0000 <= base <= 0xE007F else "invisible characters"
        choice = Choice(carrier, [], [alphabet], _assigned_name(a, carrier), encoded=data)
        out.append(choice)
    for node in a.index.nodes(ast.IfExp):
        # ``"\u200c" if bit == "0" else "\u200d" for bit in bits``: bits written as a pair of
        # invisible characters
        assert isinstance(node, ast.IfExp)
        pair = [text_value(a, node.body), text_value(a, node.orelse)]
        if all(t is not None and len(t) == 1 and _invisible(t) for t in pair):
            data = _data_source(a, node.test)
            if data is node.test:
                continue
        elif _look_alike_pair(pair) and _identity_bits(a, node.test):
            # ``THIN if bit else " "`` with ``bit`` from a hashed machine id: an identifier
            # written as a character or its look-alike, one per position
            data = node.test
        else:
            continue
        carrier = _carrier(a, node)
        if id(carrier) in done:
            continue
        done.add(id(carrier))
        name = _assigned_name(a, carrier)
        out.append(Choice(carrier, [], ["invisible characters"], name, encoded=data))
    return out


def _split_base(a: PyAnalysis, expr: ast.BinOp) -> tuple[int, ast.expr | None]:
    for base_node, data in ((expr.left, expr.right), (expr.right, expr.left)):
        try:
            base = a.ev.value(base_node)
        except (Unsupported, RecursionError, MemoryError):
            continue
        if _in_block(base):
            assert isinstance(base, int)
            return base, _data_source(a, data)
    return 0, None


def _look_alike_pair(pair: list[str | None]) -> bool:
    """One ASCII character and a look-alike of it (``" "`` and U+2009 THIN SPACE)."""
    if not all(t is not None and len(t) == 1 for t in pair):
        return False
    first, second = (t or "" for t in pair)
    return (
        first != second
        and first.isascii() != second.isascii()
        and (skeleton(first) == skeleton(second))
    )


def _identity_bits(a: PyAnalysis, test: ast.expr) -> bool:
    """The test carries an identifier of the machine or user (bits of a hashed machine id)."""
    return any(s.kind in IDENTITY_KINDS or s.kind == "identifier" for s in a.flow.signals(test))


def _data_source(a: PyAnalysis, data: ast.expr) -> ast.expr:
    """What is encoded: the iterable a loop variable in ``data`` runs over, else ``data``."""
    for n in ast.walk(data):
        source = loop_source(a.index, n)
        if source is not None:
            return source
    return data


def _carrier(a: PyAnalysis, node: ast.AST) -> ast.AST:
    """The expression that holds the encoded text (``"".join(chr(...) for c in s)``)."""
    cur = node
    for _ in range(6):
        parent = a.index.parent(cur)
        if isinstance(parent, _GENERATORS):
            cur = parent
            continue
        if (
            isinstance(parent, ast.Call)
            and isinstance(parent.func, ast.Attribute)
            and parent.func.attr == "join"
        ):
            return parent
        break
    return cur
