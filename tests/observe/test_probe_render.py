"""A probe's result rendered: the report document validates against the schema, the terminal
and HTML name the changed characters."""

from __future__ import annotations

import jsonschema

from agentxray.model import (
    Aspect,
    Confirmation,
    Difference,
    Finding,
    Location,
    Persona,
    ProbeResult,
    Recording,
    Report,
    TargetSpec,
)
from agentxray.render.json import report_schema
from agentxray.render.probe import (
    probe_document,
    render_probe_html,
    render_probe_terminal,
)

A = Persona("gw", (("base_url", "https://llm-gw.corp.test"),))
B = Persona("lab", (("base_url", "https://api.lab.test"),))
DIFF = Difference(
    personas=("gw", "lab"),
    where="model_request.messages",
    key="POST /v1/messages #0",
    before="Today's date is 2026-11-26.",
    after="Today\u02b9s date is 2026-11-26.",
    code_points=("U+0027 APOSTROPHE -> U+02B9 MODIFIER LETTER PRIME",),
    notes=("U+0027 APOSTROPHE -> U+02B9 MODIFIER LETTER PRIME (1\u00d7)",),
    fields=("base_url",),
)
RESULT = ProbeResult(
    target="npm:agent@1.0.0",
    personas=(A, B),
    recordings=tuple(
        Recording(p, r, (Aspect("exit", "", "0"),), duration_s=1.0)
        for p in ("gw", "lab")
        for r in (0, 1)
    ),
    differences=(DIFF,),
)


def test_document_validates_and_carries_differences_and_confirmations() -> None:
    finding = Finding(
        id="wm1", rule="R", category="watermark", severity="critical", title="t",
        location=Location("cli.js", 3),
    )  # fmt: skip
    report = Report(
        target=TargetSpec(raw="npm:agent@1.0.0", kind="npm", name="agent"),
        tool_version="0",
        findings=(finding,),
    )
    run = {"id": "7", "command": ["npm:agent@1.0.0"], "persona": {"name": "gw"}}
    doc = probe_document(RESULT, report, run, [Confirmation("wm1", "confirmed", "gw → lab")])
    jsonschema.validate(doc, report_schema())
    (d,) = doc["differences"]
    assert d["personas"] == ["gw", "lab"]
    assert d["where"] == "model_request.messages"
    assert d["code_points"] == ["U+0027 APOSTROPHE -> U+02B9 MODIFIER LETTER PRIME"]
    assert doc["findings"][0]["confirmation"] == {"status": "confirmed", "evidence": "gw → lab"}


def test_terminal_and_html_name_the_character() -> None:
    text = render_probe_terminal(RESULT)
    assert "gw → lab: 1 difference(s)" in text
    assert "Today\u27e8U+02B9 MODIFIER LETTER PRIME\u27e9s" in text
    page = render_probe_html(RESULT)
    assert 'title="U+02B9 MODIFIER LETTER PRIME"' in page
    assert "<script" not in page


def test_html_escapes_what_the_agent_sent() -> None:
    hostile = Difference(("gw", "lab"), "output", "stdout", "<b>x</b>", "<script>alert(1)</script>")
    page = render_probe_html(ProbeResult("t", (A, B), RESULT.recordings, differences=(hostile,)))
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
