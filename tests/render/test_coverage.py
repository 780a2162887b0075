"""What was analysed and what was not, in the terminal report: silence is never shown as safety."""

from __future__ import annotations

import dataclasses

import pytest

from agentxray.model import FileEntry, Notice, Report, TargetSpec
from agentxray.model.coverage import Share, coverage, human_bytes
from agentxray.render.html import render_html
from agentxray.render.terminal import render_terminal_text

SPEC = TargetSpec("pkg", "path", "pkg")


def entry(vpath: str, kind: str, size: int, container: str | None = None) -> FileEntry:
    return FileEntry(vpath, kind, size, "00" * 32, vpath, container)  # type: ignore[arg-type]


def report(*files: FileEntry, notices: tuple[Notice, ...] = ()) -> Report:
    return Report(SPEC, "0", artifacts=files, notices=notices)


@pytest.mark.parametrize(
    "files",
    [
        (),  # an empty folder
        (entry("a.js", "javascript", 0),),  # an empty file
        (entry("x.json", "json", 8), entry("README", "text", 6)),  # no code at all
    ],
    ids=["empty-folder", "empty-file", "data-only"],
)
def test_nothing_analysed_is_not_called_clean(files: tuple[FileEntry, ...]) -> None:
    r = report(*files)
    assert coverage(r).nothing_analysed
    text = render_terminal_text(r)
    assert "Analysed: nothing" in text
    assert "not a clean result" in text
    assert "No findings" not in text


def test_languages_bytes_and_other_kinds_are_listed() -> None:
    r = report(
        entry("a.js", "javascript", 1500),
        entry("b.py", "python", 200),
        entry("c.json", "json", 9),
    )
    cov = coverage(r)
    assert cov.languages["JavaScript"].bytes == 1500 and cov.languages["Python"].files == 1
    text = render_terminal_text(r)
    assert "Analysed: JavaScript 1 file, 1.5 kB; Python 1 file, 200 B" in text
    assert "Not analysed: 1 other file no detector reads (json 1)" in text
    assert "No findings in the 2 files analysed (1.7 kB)." in text


def test_binary_with_strings_only_says_so() -> None:
    r = report(entry("tool!strings/rodata.txt", "strings", 3300, container="tool"))
    cov = coverage(r)
    assert cov.strings_only and cov.binaries == 1 and not cov.nothing_analysed
    assert "Analysed (strings only): strings of 1 native binary" in render_terminal_text(r)


def test_skipped_files_and_budgets_are_named() -> None:
    files = (entry("big.js", "javascript", 900), entry("bad.py", "python", 40))
    notices = (
        Notice("too-large-to-analyze", "over the limit", "big.js"),
        Notice("parse-error", "rules-python: does not parse", "bad.py"),
        Notice("facts-truncated", "only the first 400000 candidates", "x.js"),
    )
    r = report(*files, notices=notices)
    cov = coverage(r)
    # big.js was never read; bad.py was read, and some detectors could not parse it.
    assert cov.languages == {"Python": Share(1, 40)}
    assert [n.code for n in cov.budgets] == ["facts-truncated"]
    text = render_terminal_text(r, width=200)
    assert "Not analysed: 1 file skipped (too-large-to-analyze)" in text
    assert "Incomplete: 1 file not analysed by every detector (parse-error)" in text
    assert "Limits hit: facts-truncated" in text


def test_a_file_no_detector_could_read_leaves_nothing_analysed() -> None:
    r = report(
        entry("big.js", "javascript", 900),
        notices=(Notice("too-large-to-analyze", "over the limit", "big.js"),),
    )
    assert coverage(r).nothing_analysed


def test_gate_line_says_how_to_fail_ci(empty_report: Report) -> None:
    assert "add --fail-on high to fail CI" in render_terminal_text(empty_report, width=200)


def test_human_bytes() -> None:
    assert [human_bytes(n) for n in (0, 999, 1500, 18_100_000)] == [
        "0 B",
        "999 B",
        "1.5 kB",
        "18.1 MB",
    ]


def test_unread_file_is_not_counted_as_analysed() -> None:
    js = entry("a.js", "javascript", 10)
    r = report(js, notices=(Notice("read-error", "cannot read", "a.js"),))
    assert coverage(r).nothing_analysed
    assert not coverage(dataclasses.replace(r, notices=())).nothing_analysed


def test_html_report_says_what_was_analysed_too() -> None:
    empty = render_html(report(entry("a.js", "javascript", 0)))
    assert "Nothing was analysed, so no findings mean nothing" in empty
    assert "No findings" not in empty
    some = render_html(report(entry("a.js", "javascript", 1500)))
    assert "<dt>Analysed</dt><dd>JavaScript 1 file, 1.5 kB</dd>" in some
    assert "No findings in the 1 file analysed (1.5 kB)." in some


def test_a_file_that_stayed_obfuscated_is_not_called_clean() -> None:
    left = Notice("still-obfuscated", "still looks obfuscated after deobfuscation", "a.js")
    r = report(entry("a.js", "javascript", 150_000), notices=(left,))
    cov = coverage(r)
    assert cov.obscured == (left,) and not cov.partial and not cov.budgets
    text = " ".join(render_terminal_text(r).split())  # as read, whatever the wrapping
    assert "Still obfuscated: 1 file (still-obfuscated)" in text
    assert "but 1 file stayed obfuscated: not a clean result for it." in text
