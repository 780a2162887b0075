"""File kinds from names and first bytes."""

from __future__ import annotations

import pytest

from agentxray.unpack.kinds import guess_kind


@pytest.mark.parametrize(
    ("name", "head", "kind"),
    [
        ("cli.js", b"var a=1", "javascript"),
        ("x.mjs", b"export {}", "javascript"),
        ("x.cjs", b"", "javascript"),
        ("bin/claude", b"#!/usr/bin/env node\nrequire('x')", "javascript"),
        ("bin/tool", b"#!/usr/bin/python3\nimport os", "python"),
        ("chunk-abc", b"// @bun @bytecode\n", "javascript"),
        ("a.ts", b"let x: number", "typescript"),
        ("types.d.ts", b"export declare", "typescript"),
        ("m.py", b"import os", "python"),
        ("claude", b"\x7fELF\x02\x01\x01", "native"),
        ("claude", b"\xcf\xfa\xed\xfe\x0c\x00", "native"),
        ("claude.exe", b"MZ\x90\x00" + b"\x00" * 60 + b"PE\x00\x00", "native"),
        ("addon.node", b"\x7fELF", "native"),
        ("readme.txt", b"MZ is a prefix of this text", "text"),
        ("cli.js.map", b'{"version":3}', "sourcemap"),
        ("package.json", b"{}", "json"),
        ("x.tgz", b"\x1f\x8b\x08", "archive"),
        ("x.whl", b"PK\x03\x04", "archive"),
        ("x.md.zst", b"\x28\xb5\x2f\xfd", "archive"),
        ("README.md", b"# hi", "text"),
        ("LICENSE", b"MIT", "text"),
        ("blob.bin", b"\x00\x01\x02\x03", "data"),
        ("empty", b"", "other"),
        ("x.pyc", b"\xa7\r\r\n", "bytecode"),
    ],
)
def test_guess_kind(name: str, head: bytes, kind: str) -> None:
    assert guess_kind(name, head) == kind
