"""prettify() on Claude Code 2.1.91's real 13 MB esbuild bundle: whitespace-only, parses as well."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import pytest
import tree_sitter
import tree_sitter_javascript

from agentxray.model import Artifact
from agentxray.unpack import unpack
from agentxray.unpack.pretty import prettify

pytestmark = [pytest.mark.online, pytest.mark.slow]

LANGUAGE = tree_sitter.Language(tree_sitter_javascript.language())
PROBLEMS = tree_sitter.Query(LANGUAGE, "[(ERROR) (MISSING)] @problem")


def problems(data: bytes) -> int:
    tree = tree_sitter.Parser(LANGUAGE).parse(data)
    found = tree_sitter.QueryCursor(PROBLEMS).captures(tree.root_node)
    return sum(len(nodes) for nodes in found.values())


def test_real_bundle(
    real_artifact: Callable[..., Artifact], tmp_path_factory: pytest.TempPathFactory
) -> None:
    artifact = real_artifact("npm:@anthropic-ai/claude-code@2.1.91")
    tree = unpack(artifact, tmp_path_factory.mktemp("claude") / "out")
    [cli] = [entry for entry in tree.files if entry.vpath.endswith("!package/cli.js")]
    path = tree.path_of(cli)
    assert path is not None
    data = path.read_bytes()
    started = time.monotonic()
    out = prettify(data)
    elapsed = time.monotonic() - started
    assert out.count(b"\n") > 20 * max(data.count(b"\n"), 1000)
    assert re.sub(rb"\s+", b"", out) == re.sub(rb"\s+", b"", data)
    assert problems(out) <= problems(data)
    assert elapsed < 30, f"prettify took {elapsed:.1f}s on {len(data)} bytes"
