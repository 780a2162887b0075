"""Electron asar archives built by hand: the real layout, and malformed headers and offsets."""

from __future__ import annotations

import base64
import json
import os
import struct
from pathlib import Path
from typing import Any

import pytest
from unpack_helpers import codes, entry, run_unpack

from agentxray.errors import UnpackError


def make_asar(path: Path, files: dict[str, Any], data: bytes) -> Path:
    """An asar file: u32 4, u32 header size, then the pickled JSON (u32 size, u32 len, json)."""
    text = json.dumps({"files": files}).encode()
    padded = text + b"\x00" * (-len(text) % 4)
    header = struct.pack("<II", len(padded) + 4, len(text)) + padded
    path.write_bytes(struct.pack("<II", 4, len(header)) + header + data)
    return path


def f(offset: int, size: int, **extra: Any) -> dict[str, Any]:
    return {"offset": str(offset), "size": size, **extra}


def test_files_come_out_with_paths_and_offsets(tmp_path: Path) -> None:
    body = b"console.log(1)" + b'{"name":"app"}'
    src = make_asar(
        tmp_path / "app.asar",
        {"dist": {"files": {"main.js": f(0, 14)}}, "package.json": f(14, 14)},
        body,
    )
    tree = run_unpack(tmp_path, src, "asar")
    main = entry(tree, "!dist/main.js")
    assert (main.vpath, main.relpath, main.kind) == (
        "app.asar!dist/main.js",
        "dist/main.js",
        "javascript",
    )
    assert (tree.root / "dist/main.js").read_bytes() == b"console.log(1)"
    raw = src.read_bytes()
    assert main.offset is not None
    assert raw[main.offset : main.offset + 14] == b"console.log(1)"
    assert entry(tree, "!package.json").kind == "json"
    assert tree.notices == ()


def test_unpacked_and_link_entries_become_notices(tmp_path: Path) -> None:
    src = make_asar(
        tmp_path / "app.asar",
        {
            "native.node": {"size": 10, "unpacked": True},
            "etc": {"link": "../../../../etc"},
            "a.js": f(0, 1),
        },
        b"x",
    )
    tree = run_unpack(tmp_path, src, "asar")
    assert sorted(codes(tree)) == ["asar-unpacked", "symlink-skipped"]
    assert [f.relpath for f in tree.files] == ["a.js"]


def test_offsets_past_the_end_are_refused_per_entry(tmp_path: Path) -> None:
    src = make_asar(
        tmp_path / "app.asar",
        {
            "ok.js": f(0, 2),
            "past.js": f(1, 10_000),
            "neg.js": {"offset": "-5", "size": 1},
            "weird.js": {"offset": "1e3", "size": True},
        },
        b"ok",
    )
    tree = run_unpack(tmp_path, src, "asar")
    assert sorted(codes(tree)) == ["malformed", "malformed", "malformed"]
    assert [f.relpath for f in tree.files] == ["ok.js"]


def test_traversal_keys_stay_inside(tmp_path: Path) -> None:
    src = make_asar(
        tmp_path / "app.asar", {"..": {"files": {"..": {"files": {"x.js": f(0, 1)}}}}}, b"x"
    )
    tree = run_unpack(tmp_path, src, "asar")
    assert codes(tree) == ["path-traversal"]
    assert [f.relpath for f in tree.files] == ["__/__/x.js"]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        # header larger than the file
        (struct.pack("<IIII", 4, 0xFFFFFF00, 8, 4) + b'{"files":{}}', "sizes are inconsistent"),
        # JSON length past the header
        (
            struct.pack("<IIII", 4, 24, 20, 999) + b'{"files":{}}' + bytes(8),
            "sizes are inconsistent",
        ),
        (struct.pack("<IIII", 4, 24, 20, 16) + b'{"files":{"a":tru' + bytes(8), "not valid JSON"),
        (struct.pack("<IIII", 4, 24, 20, 12) + b'{"files":[]}' + bytes(8), "has no files"),
    ],
    ids=["header-too-large", "json-past-header", "bad-json", "files-not-object"],
)
def test_malformed_header_is_a_clear_error(tmp_path: Path, raw: bytes, message: str) -> None:
    src = tmp_path / "bad.asar"
    src.write_bytes(raw)
    with pytest.raises(UnpackError, match=message):
        run_unpack(tmp_path, src, "asar")
    assert not (tmp_path / "work" / "out").exists()


def test_deeply_nested_index_is_an_error_not_a_crash(tmp_path: Path) -> None:
    text = '{"files":' + '{"d":{"files":' * 100_000 + "{}" + "}}" * 100_000 + "}"
    header = struct.pack("<II", len(text) + 4, len(text)) + text.encode()
    src = tmp_path / "deep.asar"
    src.write_bytes(struct.pack("<II", 4, len(header)) + header)
    with pytest.raises(UnpackError, match="not valid JSON"):
        run_unpack(tmp_path, src, "asar")


def test_content_not_matching_the_index_integrity_is_flagged(tmp_path: Path) -> None:
    import hashlib

    good = {"algorithm": "SHA256", "hash": hashlib.sha256(b"good()").hexdigest()}
    bad = {"algorithm": "SHA256", "hash": hashlib.sha256(b"original()").hexdigest()}
    src = make_asar(
        tmp_path / "app.asar",
        {"a.js": f(0, 6, integrity=good), "b.js": f(6, 10, integrity=bad)},
        b"good()" + b"tampered()",
    )
    tree = run_unpack(tmp_path, src, "asar")
    assert [(n.code, n.path) for n in tree.notices] == [("integrity-mismatch", "app.asar!b.js")]
    assert [f.relpath for f in tree.files] == ["a.js", "b.js"]


def test_files_come_out_in_index_order_depth_first(tmp_path: Path) -> None:
    src = make_asar(
        tmp_path / "app.asar",
        {"b.js": f(0, 1), "dir": {"files": {"z.js": f(1, 1), "a.js": f(2, 1)}}, "c.js": f(3, 1)},
        b"bzac",
    )
    tree = run_unpack(tmp_path, src, "asar")
    assert [(f.relpath, (tree.root / f.relpath).read_bytes()) for f in tree.files if f.relpath] == [
        ("b.js", b"b"),
        ("dir/z.js", b"z"),
        ("dir/a.js", b"a"),
        ("c.js", b"c"),
    ]


# Made by the reference tool, `npx @electron/asar pack app app.asar` (@electron/asar 3.x), from a
# folder holding main.js, package.json and lib/util.js: the real layout, integrity hashes included.
REAL_ASAR = base64.b64decode(
    "BAAAAAQDAAAAAwAA+gIAAHsiZmlsZXMiOnsibGliIjp7ImZpbGVzIjp7InV0aWwuanMiOnsic2l6ZSI6MTcsIm9m"
    "ZnNldCI6IjAiLCJpbnRlZ3JpdHkiOnsiYWxnb3JpdGhtIjoiU0hBMjU2IiwiaGFzaCI6IjAwOTFhMTUyZjk0MTc5"
    "MjExZmQ1Njk5YWJhZjNhN2U3OTNkN2E2OGIzYTg4ZTE4NWU1ZDBjYzkxYzUwMTFhNjQiLCJibG9ja1NpemUiOjQx"
    "OTQzMDQsImJsb2NrcyI6WyIwMDkxYTE1MmY5NDE3OTIxMWZkNTY5OWFiYWYzYTdlNzkzZDdhNjhiM2E4OGUxODVl"
    "NWQwY2M5MWM1MDExYTY0Il19fX19LCJtYWluLmpzIjp7InNpemUiOjE4LCJvZmZzZXQiOiIxNyIsImludGVncml0"
    "eSI6eyJhbGdvcml0aG0iOiJTSEEyNTYiLCJoYXNoIjoiOGU4ZWUxZmViYzE0ZDg2MTRlMWY4YmY2Mzg0YTM2NDFk"
    "ZTMwMTdmYTQzYWQwNjAwZDY0M2QyOTFiMTRhNDJiMSIsImJsb2NrU2l6ZSI6NDE5NDMwNCwiYmxvY2tzIjpbIjhl"
    "OGVlMWZlYmMxNGQ4NjE0ZTFmOGJmNjM4NGEzNjQxZGUzMDE3ZmE0M2FkMDYwMGQ2NDNkMjkxYjE0YTQyYjEiXX19"
    "LCJwYWNrYWdlLmpzb24iOnsic2l6ZSI6MTMsIm9mZnNldCI6IjM1IiwiaW50ZWdyaXR5Ijp7ImFsZ29yaXRobSI6"
    "IlNIQTI1NiIsImhhc2giOiJhMWM1ZTE1MDIzMGIzNDNlZDc5M2E5NTFjNGUwYzExZTJiYTQ4NzI0OTZjY2UzMDZi"
    "NTBiZGU5YTZjNjJhMjUyIiwiYmxvY2tTaXplIjo0MTk0MzA0LCJibG9ja3MiOlsiYTFjNWUxNTAyMzBiMzQzZWQ3"
    "OTNhOTUxYzRlMGMxMWUyYmE0ODcyNDk2Y2NlMzA2YjUwYmRlOWE2YzYyYTI1MiJdfX19fQAAbW9kdWxlLmV4cG9y"
    "dHM9MQpjb25zb2xlLmxvZygiaGkiKQp7Im5hbWUiOiJ4In0K"
)


def test_an_archive_made_by_electron_asar_unpacks_with_intact_integrity(tmp_path: Path) -> None:
    src = tmp_path / "app.asar"
    src.write_bytes(REAL_ASAR)
    tree = run_unpack(tmp_path, src, "asar")
    assert [f.relpath for f in tree.files] == ["lib/util.js", "main.js", "package.json"]
    assert (tree.root / "main.js").read_bytes() == b'console.log("hi")\n'
    assert (tree.root / "lib/util.js").read_bytes() == b"module.exports=1\n"
    assert tree.notices == ()


def test_unpacked_entries_are_read_from_beside_a_top_level_archive(tmp_path: Path) -> None:
    src = make_asar(
        tmp_path / "app.asar",
        {
            "native": {"files": {"addon.node": {"size": 4, "unpacked": True}}},
            "key": {"size": 4, "unpacked": True},
            "pipe": {"size": 4, "unpacked": True},
            "..": {"files": {"secret": {"size": 4, "unpacked": True}}},
        },
        b"",
    )
    beside = tmp_path / "app.asar.unpacked"
    (beside / "native").mkdir(parents=True)
    (beside / "native" / "addon.node").write_bytes(b"addn")
    (tmp_path / "secret").write_text("PRIVATE")
    (beside / "key").symlink_to(tmp_path / "secret")  # must not be followed
    os.mkfifo(beside / "pipe")  # must not block
    tree = run_unpack(tmp_path, src, "asar")
    addon = entry(tree, "!native/addon.node")
    assert (addon.relpath, addon.kind, addon.note) == (
        "native/addon.node",
        "native",
        "from app.asar.unpacked/",
    )
    assert [(n.code, n.path) for n in tree.notices] == [
        ("asar-unpacked", "app.asar!key"),
        ("asar-unpacked", "app.asar!pipe"),
        ("asar-unpacked", "app.asar!../secret"),
    ]
    assert [f.relpath for f in tree.files] == ["native/addon.node"]


def test_entries_reusing_one_region_are_not_an_amplifier(tmp_path: Path) -> None:
    # Found by the hostile-input sweep: 100 entries aimed at one 5 MB region made a 5 MB
    # archive write 500 MB.
    data = b"A" * 4096 + b"tail"
    files = {f"f{i}.txt": f(i, 4096 - i) for i in range(100)}  # each shifted by one byte
    src = make_asar(tmp_path / "amp.asar", {**files, "tail.txt": f(4096, 4)}, data)
    tree = run_unpack(tmp_path, src)
    assert sorted(e.vpath.split("!")[1] for e in tree.files) == ["f0.txt", "tail.txt"]
    assert codes(tree) == ["asar-overlapping-entries"]
    assert tree.notices[0].message.startswith("99 entries reuse bytes of entries already")
