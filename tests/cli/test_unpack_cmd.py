"""``agentxray unpack``: the summary, the exit codes, the limits options."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import pytest

from agentxray.cli.main import main
from agentxray.cli.unpack_cmd import parse_size


def _tgz(path: Path, members: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def test_unpack_prints_a_summary_and_writes_the_manifest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = _tgz(tmp_path / "agent-1.0.0.tgz", {"package/cli.js": b"a()", "../evil": b"x"})
    out = tmp_path / "out"
    assert main(["unpack", str(src), "-o", str(out)]) == 0
    text = capsys.readouterr().out
    assert "javascript" in text
    assert "path-traversal" in text
    assert str(out / "manifest.json") in text
    doc = json.loads((out / "manifest.json").read_text())
    assert [f["relpath"] for f in doc["files"]] == ["package/cli.js", "__/evil"]


def test_limits_from_the_command_line_apply(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = _tgz(tmp_path / "a.tgz", {f"f{i}": b"x" * 1000 for i in range(4)})
    code = main(["unpack", str(src), "-o", str(tmp_path / "out"), "--max-total-bytes", "2k"])
    assert code == 2
    err = capsys.readouterr().err
    assert "in total" in err and "--max-" in err
    assert not (tmp_path / "out").exists()


def test_non_empty_foreign_output_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = _tgz(tmp_path / "a.tgz", {"a": b"1"})
    assert main(["unpack", str(src), "-o", str(tmp_path)]) == 2
    assert "not empty" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("text", "size"), [("1024", 1024), ("2k", 2048), ("500M", 500 << 20), ("8GiB", 8 << 30)]
)
def test_parse_size(text: str, size: int) -> None:
    assert parse_size(text) == size


@pytest.mark.online
@pytest.mark.parametrize(
    ("platform", "cli_js"),
    [
        ("linux-x64", "package/claude.x/$bunfs/root/src/entrypoints/cli.js"),
        ("darwin-arm64", "package/claude.x/$bunfs/root/src/entrypoints/cli.js"),
        ("win32-x64", "package/claude.exe.x/~BUN/root/src/entrypoints/cli.js"),
    ],
)
def test_unpack_claude_code_2_1_197_from_the_registry(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], platform: str, cli_js: str
) -> None:
    out = tmp_path / "claude-src"
    args = [
        "unpack",
        "npm:@anthropic-ai/claude-code@2.1.197",
        "-o",
        str(out),
        "--platform",
        platform,
    ]
    assert main(args) == 0
    assert b"Asia/Urumqi" in (out / cli_js).read_bytes()
    doc = json.loads((out / "manifest.json").read_text())
    entry = next(f for f in doc["files"] if f["relpath"] == cli_js)
    assert entry["vpath"].endswith("/root/src/entrypoints/cli.js")
    assert entry["kind"] == "javascript"
    assert doc["artifact"]["platform"] == platform
    assert "javascript" in capsys.readouterr().out
