"""A probe's result as terminal text, the ``agentxray.report/1`` document and a self-contained
HTML page with the personas side by side."""

from __future__ import annotations

import difflib
import html
import unicodedata
from collections.abc import Sequence
from typing import Any

from agentxray.model import Confirmation, Difference, Finding, Persona, ProbeResult, Report
from agentxray.render.json import report_to_dict

#: Changed lines shown per difference in the terminal.
SHOWN_LINES = 6


def _name(ch: str) -> str:
    return f"U+{ord(ch):04X} {unicodedata.name(ch, '') or unicodedata.category(ch)}"


def visible(text: str) -> str:
    """``text`` with controls, invisible and non-ASCII characters written ``⟨U+XXXX NAME⟩``."""
    return "".join(
        ch if ch in "\t" or 32 <= ord(ch) < 127 else f"\u27e8{_name(ch)}\u27e9" for ch in text
    )


def persona_line(p: Persona) -> str:
    """``name: tz=… base_url=…``."""
    fields = " ".join(f"{k}={v}" for k, v in p.fields) or "(the profile's defaults)"
    return f"{p.name}: {fields}"


def _lines(text: str) -> list[str]:
    return text.splitlines() if text else []


def difference_text(d: Difference) -> list[str]:
    """One difference as indented terminal lines."""
    key = f" {d.key}" if d.key else ""
    by = f"   (persona fields: {', '.join(d.fields)})" if d.fields else ""
    out = [f"  {d.where}{key}{by}"]
    before, after = _lines(d.before), _lines(d.after)
    for sign, lines in (("-", before), ("+", after)):
        for line in lines[:SHOWN_LINES]:
            out.append(f"    {sign} {visible(line[:400])}")
        if len(lines) > SHOWN_LINES:
            out.append(f"    {sign} … {len(lines) - SHOWN_LINES} more line(s)")
    for note in d.notes:
        out.append(f"    ! {note}")
    return out


def render_probe_terminal(result: ProbeResult) -> str:
    """The probe for a person at a terminal."""
    runs = len(result.recordings)
    repeats = max((r.repeat + 1 for r in result.recordings), default=0)
    out = [
        f"probe:     {result.target}",
        f"runs:      {len(result.personas)} persona(s) × {repeats} repeat(s) = {runs} runs, "
        f"{result.duration_s:.1f} s of agent time",
        "personas:  (each compared with the first)",
    ]
    out += [f"  {persona_line(p)}" for p in result.personas]
    for rec in result.recordings:
        exit_text = next((a.text for a in rec.aspects if a.where == "exit"), "?")
        out.append(
            f"  run {rec.persona} #{rec.repeat + 1}: exit {exit_text}, {rec.duration_s:.1f} s"
            + (f", stored as run {rec.run_id}" if rec.run_id.isdigit() else "")
        )
    out.append(f"noise:     {len(result.noise)} rule(s) learned from the repeats")
    for line in result.noise[:12]:
        out.append(f"  {visible(line)}")
    if len(result.noise) > 12:
        out.append(f"  … {len(result.noise) - 12} more")
    flags = sorted({f for r in result.recordings for f in r.flags})
    if flags:
        out.append(f"feature flags: {', '.join(flags)}")
    base = result.personas[0].name if result.personas else ""
    for other in result.personas[1:]:
        diffs = [d for d in result.differences if d.personas == (base, other.name)]
        head = f"{base} → {other.name}: "
        if not diffs:
            out.append(head + "no difference")
            continue
        out.append(head + f"{len(diffs)} difference(s)")
        for d in diffs:
            out += difference_text(d)
    return "\n".join(out)


# -- JSON --------------------------------------------------------------------------------------


def difference_to_dict(d: Difference) -> dict[str, Any]:
    """One schema ``differences`` entry (plus ``key`` and ``notes``)."""
    out: dict[str, Any] = {
        "personas": list(d.personas),
        "where": d.where,
        "before": d.before,
        "after": d.after,
    }
    if d.key:
        out["key"] = d.key
    if d.code_points:
        out["code_points"] = list(d.code_points)
    if d.fields:
        out["fields"] = list(d.fields)
    if d.notes:
        out["notes"] = list(d.notes)
    return out


def probe_document(
    result: ProbeResult,
    report: Report,
    run: dict[str, Any],
    confirmations: Sequence[Confirmation] = (),
) -> dict[str, Any]:
    """The ``agentxray.report/1`` document of a probe: ``report`` (target, findings, each with
    its ``confirmation`` when the probe tested it), the ``run`` object and the ``differences``."""
    doc = report_to_dict(report)
    by_id = {c.finding: c for c in confirmations}
    for finding in doc.get("findings", []):
        c = by_id.get(finding.get("id"))
        if c is not None:
            finding["confirmation"] = {"status": c.status}
            if c.evidence:
                finding["confirmation"]["evidence"] = c.evidence
            if c.run:
                finding["confirmation"]["run"] = c.run
    doc["run"] = run
    doc["differences"] = [difference_to_dict(d) for d in result.differences]
    return doc


def confirmations_text(findings: Sequence[Finding], confirmations: Sequence[Confirmation]) -> str:
    """The static findings a probe tested, each with what the probe showed."""
    by_id = {f.id: f for f in findings}
    out = [f"static findings tested: {len(confirmations)}"]
    for c in confirmations:
        f = by_id.get(c.finding)
        title = f"{f.category}: {f.title}" if f is not None else c.finding
        out.append(f"  [{c.status}] {title}")
        if c.evidence:
            out.append(f"      {visible(c.evidence)}")
    return "\n".join(out)


# -- HTML --------------------------------------------------------------------------------------

_STYLE = """
body{font-family:system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;width:100%;table-layout:fixed;margin-bottom:1.5em}
td,th{border:1px solid #ccc;padding:4px 6px;vertical-align:top;text-align:left}
td pre{white-space:pre-wrap;word-break:break-all;margin:0;font-size:12px}
mark.del{background:#fbb}mark.ins{background:#bfb}
.note{color:#a40;font-size:13px}.meta{color:#666;font-size:13px}
"""


def _marked(a: str, b: str) -> tuple[str, str]:
    """``a`` and ``b`` as HTML with the changed characters marked and named in a tooltip."""
    left: list[str] = []
    right: list[str] = []
    sm = difflib.SequenceMatcher(None, a, b, autojunk=False)
    if sm.ratio() < 0.5:  # different lines, not an edit of one: mark them whole
        return (
            f'<mark class="del">{html.escape(visible(a))}</mark>' if a else "",
            f'<mark class="ins">{html.escape(visible(b))}</mark>' if b else "",
        )
    for op, i1, i2, j1, j2 in sm.get_opcodes():
        if op == "equal":
            left.append(html.escape(a[i1:i2]))
            right.append(html.escape(b[j1:j2]))
            continue
        for text, out, cls in ((a[i1:i2], left, "del"), (b[j1:j2], right, "ins")):
            if text:
                title = html.escape(", ".join(_name(c) for c in text[:20]), quote=True)
                out.append(
                    f'<mark class="{cls}" title="{title}">{html.escape(visible(text))}</mark>'
                )
    return "".join(left), "".join(right)


def render_probe_html(result: ProbeResult) -> str:
    """A self-contained page: each difference with the two personas side by side."""
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        f"<title>agentxray probe {html.escape(result.target)}</title>",
        f"<style>{_STYLE}</style></head><body>",
        f"<h1>probe {html.escape(result.target)}</h1>",
        "<ul>",
    ]
    parts += [f"<li>{html.escape(persona_line(p))}</li>" for p in result.personas]
    parts.append("</ul>")
    parts.append(
        f"<p class='meta'>{len(result.recordings)} runs, {result.duration_s:.1f} s; "
        f"{len(result.noise)} noise rule(s) learned from repeats.</p>"
    )
    if not result.differences:
        parts.append("<p>No difference between the personas.</p>")
    for d in result.differences:
        a, b = d.personas
        parts.append(
            f"<h3>{html.escape(d.where)} {html.escape(d.key)}</h3>"
            f"<p class='meta'>persona fields: {html.escape(', '.join(d.fields) or '-')}</p>"
        )
        for note in d.notes:
            parts.append(f"<p class='note'>{html.escape(note)}</p>")
        parts.append(f"<table><tr><th>{html.escape(a)}</th><th>{html.escape(b)}</th></tr>")
        before, after = _lines(d.before), _lines(d.after)
        for n in range(min(max(len(before), len(after)), 200)):
            left = before[n] if n < len(before) else ""
            right = after[n] if n < len(after) else ""
            lh, rh = _marked(left, right)
            parts.append(f"<tr><td><pre>{lh}</pre></td><td><pre>{rh}</pre></td></tr>")
        parts.append("</table>")
    parts.append("</body></html>")
    return "\n".join(parts)
