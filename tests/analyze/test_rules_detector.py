"""The rules detectors: evidence-bearing findings, stable ids, parse errors as notices."""

from __future__ import annotations

import pytest

from agentxray.analyze.interface import SourceUnit
from agentxray.analyze.rules_detector import JsRulesDetector, PythonRulesDetector
from agentxray.model import FileEntry, Finding, Notice


def unit(name: str, kind: str, src: str) -> SourceUnit:
    data = src.encode()
    return SourceUnit(FileEntry(name, kind, len(data), ""), data)  # type: ignore[arg-type]


def test_js_finding_carries_location_snippet_values_and_related() -> None:
    src = 'x();\nconst a = "https://o1.ingest.sentry.io/1";\nconst b = "https://o1.ingest.sentry.io/2";\n'
    found = [
        f for f in JsRulesDetector().run(unit("a.js", "javascript", src)) if isinstance(f, Finding)
    ]
    tel = [f for f in found if f.rule == "AXR-TEL-001"]
    assert len(tel) == 1
    f = tel[0]
    assert (f.category, f.severity, f.location.line, f.location.column) == (
        "telemetry",
        "low",
        2,
        11,
    )
    assert f.snippet == 'const a = "https://o1.ingest.sentry.io/1";'
    assert f.values[0] == "https://o1.ingest.sentry.io/1 [error-reporting: Sentry ingest]"
    assert [loc.line for loc in f.related] == [3]
    assert f.id.startswith("AXR-TEL-001-")


def test_finding_ids_do_not_depend_on_lines() -> None:
    a = 'const u = "https://api.example-agent.dev/v1";'
    b = "\n\n// moved\n" + a
    ids_a = {
        f.id for f in JsRulesDetector().run(unit("a.js", "javascript", a)) if isinstance(f, Finding)
    }
    ids_b = {
        f.id for f in JsRulesDetector().run(unit("a.js", "javascript", b)) if isinstance(f, Finding)
    }
    assert ids_a == ids_b and ids_a


def test_minified_snippet_is_a_window_of_the_line() -> None:
    src = "var a=1;" * 200 + 'fetch("https://api.segment.io/v1/batch");' + "var b=2;" * 200
    found = [
        f for f in JsRulesDetector().run(unit("m.js", "javascript", src)) if isinstance(f, Finding)
    ]
    snippet = next(f.snippet for f in found if f.rule == "AXR-TEL-001")
    assert "api.segment.io" in snippet and len(snippet) < 400


def test_python_syntax_error_is_a_notice() -> None:
    out = list(PythonRulesDetector().run(unit("bad.py", "python", "def (:\n")))
    assert len(out) == 1 and isinstance(out[0], Notice)
    assert (out[0].code, out[0].path) == ("parse-error", "bad.py")


def test_hostile_inputs_become_notices(monkeypatch: pytest.MonkeyPatch) -> None:
    import agentxray.analyze.facts.js as js_facts

    deep = "x = " + "(" * 50_000 + "1" + ")" * 50_000 + "\n"
    out = list(PythonRulesDetector().run(unit("deep.py", "python", deep)))
    assert [type(o).__name__ for o in out] == ["Notice"]

    monkeypatch.setattr(js_facts, "MAX_HITS", 10)
    src = "fetch(a);" * 50
    results = list(JsRulesDetector().run(unit("many.js", "javascript", src)))
    notices = [r for r in results if isinstance(r, Notice)]
    assert [n.code for n in notices] == ["facts-truncated"]


@pytest.mark.parametrize("prefix", ["-", "not ", "lambda: "])
def test_python_too_complex_for_the_parser_is_a_parse_error_notice(prefix: str) -> None:
    # Found by tests/fuzz: CPython's parser raises MemoryError (not RecursionError) on these.
    deep = "x = " + prefix * 100_000 + "1\n"
    out = list(PythonRulesDetector().run(unit("deep.py", "python", deep)))
    assert [(o.code, o.message) for o in out if isinstance(o, Notice)] == [
        ("parse-error", "rules-python: file nests too deeply")
    ]


def _ids(name: str, src: str) -> dict[str, str]:
    found = JsRulesDetector().run(unit(name, "javascript", src))
    return {f.rule: f.id for f in found if isinstance(f, Finding)}


def test_ids_survive_a_new_version_of_the_artifact() -> None:
    src = 'const u = "https://api.segment.io/v1/t"; fs.readFileSync(homedir() + "/.netrc");'
    old = _ids("agent-1.0.0.tgz!package/cli.js", src)
    new = _ids("agent-1.0.1.tgz!package/cli.js", "\n\n" + src)
    assert old == new and {"AXR-TEL-001", "AXR-CRD-001"} <= set(old)


def test_inventory_rules_share_ids_across_files_once_rules_do_not() -> None:
    a = _ids("a.tgz!package/a.js", 'const u = "https://api.segment.io/v1/t"; spawn("ls");')
    b = _ids("a.tgz!package/b.js", 'const u = "https://api.segment.io/v1/t"; spawn("ls");')
    assert a["AXR-TEL-001"] == b["AXR-TEL-001"]  # one endpoint, reported once per artifact
    assert a["AXR-CMD-002"] != b["AXR-CMD-002"]  # two places that start processes


def test_once_rules_in_two_functions_of_one_file_get_two_ids() -> None:
    src = "function a(){ fs.rename(x, process.execPath); }\n"
    src += "function b(){ fs.copyFile(y, process.execPath); }\n"
    found = [
        f for f in JsRulesDetector().run(unit("u.js", "javascript", src)) if isinstance(f, Finding)
    ]
    upd = [f for f in found if f.rule == "AXR-UPD-003"]
    assert [f.location.line for f in upd] == [1, 2]
    assert len({f.id for f in upd}) == 2


def test_strings_findings_point_into_the_binary_and_show_the_line() -> None:
    from agentxray.analyze.rules_detector import StringsRulesDetector

    src = "0x10\tnothing\n0x2a0\thttps://o9.ingest.sentry.io/api/1/envelope/\n0x300\tmore\n"
    found = list(StringsRulesDetector().run(unit("bin!strings/rodata.txt", "strings", src)))
    tel = [f for f in found if isinstance(f, Finding) and f.rule == "AXR-TEL-001"]
    assert [(f.location.line, f.location.offset, f.snippet) for f in tel] == [
        (2, 0x2A0, "0x2a0\thttps://o9.ingest.sentry.io/api/1/envelope/")
    ]


def test_minified_js_snippet_is_the_statement_laid_out() -> None:
    # A window cut mid-token out of a one-line bundle (Claude Code's cli.js) is hard to read; the
    # statement holding the evidence is shown pretty-printed, with its line.
    stmt = 'var gb={apiHost:"https://cdn.growthbook.io",clientKey:"sdk-abc",remoteEval:!0};'
    src = "var a=1;" * 200 + stmt + "var b=2;" * 200
    found = [
        f for f in JsRulesDetector().run(unit("m.js", "javascript", src)) if isinstance(f, Finding)
    ]
    snippet = next(f.snippet for f in found if f.rule == "AXR-RC-001")
    assert snippet == "// line 1\n" + stmt
