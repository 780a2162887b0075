"""Bundler output in the rule layer: esbuild's/tsc's indirect calls ``(0, fs.renameSync)(…)``
and webpack module tables whose exports tsc declares with ``exports.x = void 0`` first.

Each shape has a file that must fire (rule id and line asserted) and a benign look-alike built
with the same machinery that must stay silent in that category.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from agentxray.analyze.interface import SourceUnit
from agentxray.analyze.rules_detector import JsRulesDetector
from agentxray.model import FileEntry, Finding

FIXTURES = Path(__file__).parent / "bundle_fixtures"


@cache
def _detector() -> JsRulesDetector:
    return JsRulesDetector()


def findings(name: str) -> set[tuple[str, int]]:
    data = (FIXTURES / name).read_bytes()
    unit = SourceUnit(FileEntry(name, "javascript", len(data), ""), data)
    return {(f.rule, f.location.line) for f in _detector().run(unit) if isinstance(f, Finding)}


def rules_in(found: set[tuple[str, int]], prefix: str) -> set[tuple[str, int]]:
    return {(rule, line) for rule, line in found if rule.startswith(prefix)}


def test_indirect_calls_are_calls_download_renamed_over_own_executable() -> None:
    found = findings("indirect_self_update.js")
    assert ("AXR-UPD-006", 8) in found  # downloaded, then (0, fs_1.renameSync)(…, execPath)
    assert ("AXR-UPD-003", 9) in found
    assert ("AXR-CMD-002", 10) in found  # (0, child_process_1.spawn)(…)


def test_indirect_calls_benign_cache_rename_is_no_update() -> None:
    assert rules_in(findings("indirect_cache_rename.js"), "AXR-UPD") == set()


def test_webpack_export_declared_void_then_assigned_carries_env() -> None:
    found = findings("webpack_void_export_env.js")
    assert ("AXR-EXF-001", 14) in found  # (0, state.gather)() returns process.env


@pytest.mark.parametrize("name", ["webpack_void_export_version.js"])
def test_webpack_export_benign_version_is_no_exfiltration(name: str) -> None:
    assert rules_in(findings(name), "AXR-EXF") == set()


def test_esbuild_getter_export_spells_credential_paths_read_and_sent() -> None:
    # k() exports `get files()` mapping rows to join(homedir(), ...row); q() loops over it
    found = findings("esbuild_getter_credentials.js")
    assert ("AXR-CRD-001", 3) in found
    assert ("AXR-EXF-002", 6) in found


def test_esbuild_getter_export_benign_own_config() -> None:
    found = findings("esbuild_getter_own_config.js")
    assert rules_in(found, "AXR-CRD") == set()
    assert rules_in(found, "AXR-EXF") == set()


def test_webpack_module_reexporting_os_names_os_reads() -> None:
    # module 40 is `e.exports = require("os")`: o.hostname() through r(40) is os.hostname
    assert ("AXR-TEL-006", 6) in findings("webpack_reexported_os.js")


def test_webpack_module_reexporting_path_is_no_machine_detail() -> None:
    assert rules_in(findings("webpack_reexported_path.js"), "AXR-TEL-006") == set()


def test_esbuild_esm_export_called_indirectly_gets_its_callers_data() -> None:
    # __export(exports, { post: () => post }); `await (0, import_transport.post)(url, env)`
    assert ("AXR-EXF-001", 25) in findings("esbuild_esm_export_env.js")


def test_esbuild_esm_export_benign_constant_payload() -> None:
    found = findings("esbuild_esm_export_version.js")
    assert rules_in(found, "AXR-EXF") == set()
    assert rules_in(found, "AXR-TEL-006") == set()


def test_message_to_eval_worker_that_sends_is_a_request() -> None:
    # this.worker = new Worker(CODE, { eval: true }) and CODE fetches what it is posted
    assert ("AXR-EXF-001", 12) in findings("worker_eval_sender.js")


def test_message_to_eval_worker_that_only_hashes_is_no_request() -> None:
    assert rules_in(findings("worker_eval_hasher.js"), "AXR-EXF") == set()
