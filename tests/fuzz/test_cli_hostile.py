"""``agentxray unpack`` end to end on hostile local targets and hostile output folders.

Exit 0 with notices when the target is usable, exit 2 with one ``agentxray: error:`` line when it
is not; never a traceback, never a file or link outside the output folder.
"""

from __future__ import annotations

import io
import json
import os
import stat
import tarfile
import time
import zipfile
from pathlib import Path

import pytest
from unpack_helpers import files_under

from agentxray.cli.main import main


def _tgz(path: Path, members: list[tarfile.TarInfo | tuple[str, bytes]]) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for member in members:
            if isinstance(member, tarfile.TarInfo):
                tar.addfile(member)
            else:
                info = tarfile.TarInfo(member[0])
                info.size = len(member[1])
                tar.addfile(info, io.BytesIO(member[1]))
    return path


def _link(name: str, target: str, kind: bytes = tarfile.SYMTYPE) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, target
    return info


def run_cli(
    capsys: pytest.CaptureFixture[str], target: Path | str, out: Path
) -> tuple[int, str, dict[str, list[str]]]:
    """Exit code, stderr and the manifest's notice codes by path (empty when no output)."""
    code = main(["unpack", str(target), "-o", str(out)])
    err = capsys.readouterr().err
    assert "Traceback" not in err
    if code == 2:
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("agentxray: error: "), err
    notices: dict[str, list[str]] = {}
    if (out / "manifest.json").is_file():
        for notice in json.loads((out / "manifest.json").read_text())["notices"]:
            notices.setdefault(notice["path"], []).append(notice["code"])
    return code, err, notices


@pytest.fixture
def box(tmp_path: Path) -> Path:
    """A folder holding the targets (``in``) and the output (``out``); nothing else may appear."""
    (tmp_path / "in").mkdir()
    return tmp_path


def assert_only_output(box: Path, before: set[str]) -> None:
    new = {p for p in files_under(box) - before if not p.startswith("out")}
    assert new == set(), new
    out = box / "out"
    for rel in files_under(out) if out.exists() else ():
        assert not (out / rel).is_symlink(), rel


def test_tarball_climbing_out_and_absolute_names(
    box: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = _tgz(box / "in/x.tgz", [("../../etc/x", b"pwned"), ("/etc/abs", b"abs")])
    before = files_under(box)
    code, _, notices = run_cli(capsys, src, box / "out")
    assert code == 0
    assert notices == {"x.tgz!../../etc/x": ["path-traversal"], "x.tgz!/etc/abs": ["absolute-path"]}
    assert (box / "out/__/__/etc/x").read_bytes() == b"pwned"
    assert_only_output(box, before)


def test_tarball_links_to_root_and_through_them(
    box: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = _tgz(
        box / "in/l.tgz",
        [
            _link("package/root", "/"),
            ("package/root/etc/passwd", b"through the link"),
            _link("package/hard", "/etc/shadow", tarfile.LNKTYPE),
        ],
    )
    before = files_under(box)
    code, _, notices = run_cli(capsys, src, box / "out")
    assert code == 0
    assert notices == {
        "l.tgz!package/root": ["symlink-skipped"],
        "l.tgz!package/hard": ["hardlink-skipped"],
    }
    assert (box / "out/package/root/etc/passwd").read_bytes() == b"through the link"
    assert_only_output(box, before)


def test_zip_bomb(box: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = box / "in/bomb.zip"
    with zipfile.ZipFile(src, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("big.bin", bytes(64 << 20))
    code, _, notices = run_cli(capsys, src, box / "out")
    assert (code, notices) == (0, {"bomb.zip!big.bin": ["ratio-exceeded"]})
    assert not (box / "out/big.bin").exists()


def test_sparse_file_claiming_to_be_elf(box: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = box / "in/agent"
    with src.open("wb") as fh:
        fh.write(b"\x7fELF\x02\x01\x01" + bytes(57))
        fh.truncate(512 << 20)
    started = time.perf_counter()
    code, _, notices = run_cli(capsys, src, box / "out")
    assert (code, notices) == (0, {"agent": ["native-no-sections"]})
    assert time.perf_counter() - started < 30  # 2 GiB took 30 s before zero chunks were skipped


def test_folder_with_fifo_device_and_symlink_loops(
    box: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = box / "in/agent"
    (src / "sub").mkdir(parents=True)
    (src / "a.js").write_text("x = 1")
    os.mkfifo(src / "fifo")
    os.symlink("loop2", src / "loop1")
    os.symlink("loop1", src / "loop2")
    os.symlink("/", src / "root")
    os.symlink("..", src / "sub/up")
    expected = {
        "agent/fifo": ["special-file-skipped"],
        "agent/loop1": ["symlink-skipped"],
        "agent/loop2": ["symlink-skipped"],
        "agent/root": ["symlink-skipped"],
        "agent/sub/up": ["symlink-skipped"],
    }
    try:
        os.mknod(src / "null", 0o600 | stat.S_IFCHR, os.makedev(1, 3))
        expected["agent/null"] = ["special-file-skipped"]
    except PermissionError:
        pass  # not root: the fifo stands for special files
    before = files_under(box)
    code, _, notices = run_cli(capsys, src, box / "out")
    assert (code, notices) == (0, expected)
    assert sorted(files_under(box / "out")) == ["a.js", "manifest.json"]
    assert_only_output(box, before)


def _unusable(kind: str, folder: Path) -> Path:
    if kind == "symlink-loop":
        os.symlink("b", folder / "a")
        os.symlink("a", folder / "b")
        return folder / "a"
    if kind == "fifo":
        os.mkfifo(folder / "f")
        return folder / "f"
    return Path("/dev/null") if kind == "device" else folder / "missing.tgz"


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("symlink-loop", "symbolic link that leads nowhere"),
        ("fifo", "neither a regular file nor a directory"),
        ("device", "neither a regular file nor a directory"),
        ("missing", "no such file or directory"),
    ],
)
def test_unusable_targets_exit_2_with_one_line(
    box: Path, capsys: pytest.CaptureFixture[str], kind: str, message: str
) -> None:
    code, err, _ = run_cli(capsys, _unusable(kind, box / "in"), box / "out")
    assert code == 2 and message in err
    assert not (box / "out").exists()


@pytest.mark.skipif(not Path("/proc/self/mem").exists(), reason="Linux /proc only")
def test_read_error_exits_2_with_one_line(box: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, err, _ = run_cli(capsys, "/proc/self/mem", box / "out")
    assert (code, err.strip()) == (
        2,
        "agentxray: error: cannot read /proc/self/mem: Input/output error.",
    )


def test_output_symlink_to_a_foreign_folder_is_refused(
    box: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    victim = box / "victim"
    victim.mkdir()
    (victim / "keep").write_text("keep")
    os.symlink(victim, box / "out")
    src = _tgz(box / "in/x.tgz", [("package/a.js", b"a")])
    code, err, _ = run_cli(capsys, src, box / "out")
    assert code == 2 and "is not empty and is not an earlier agentxray output" in err
    assert sorted(os.listdir(victim)) == ["keep"]


def test_links_planted_in_an_earlier_output_are_replaced_not_followed(
    box: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    victim = box / "victim"
    victim.mkdir()
    src = _tgz(box / "in/x.tgz", [("package/a.js", b"a"), ("../up.js", b"u")])
    assert run_cli(capsys, src, box / "out")[0] == 0
    for name in ("package", "__"):  # where the members of the next run go
        os.rename(box / "out" / name, box / f"moved-{name}")
        os.symlink(victim, box / "out" / name)
    code, _, _ = run_cli(capsys, src, box / "out")
    assert code == 0
    assert os.listdir(victim) == []
    assert (box / "out/package/a.js").read_bytes() == b"a"
    assert not (box / "out/package").is_symlink() and not (box / "out/__").is_symlink()
