"""A function called through a registry (a literal dict or list of functions, or a container a
registering decorator fills) is a call of each function the registry holds: what they return
flows on, and the arguments reach their parameters (``HANDLERS[kind](path)``,
``HANDLERS.get(kind)(x)``, ``for name, fn in CHECKS.items(): fn()``)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from agentxray.analyze.interface import SourceUnit
from agentxray.analyze.rules_detector import PythonRulesDetector
from agentxray.model import FileEntry, Finding

HERE = Path(__file__).parent / "dispatch"


def rules_on(name: str) -> list[tuple[str, int]]:
    data = (HERE / name).read_bytes()
    entry = FileEntry(name, "python", len(data), hashlib.sha256(data).hexdigest())
    found = [
        f for f in PythonRulesDetector().run(SourceUnit(entry, data)) if isinstance(f, Finding)
    ]
    return sorted((f.rule, f.location.line) for f in found)


def rule_lines(name: str, rule: str) -> list[int]:
    return [line for r, line in rules_on(name) if r == rule]


def test_decorator_filled_list_run_in_a_comprehension() -> None:
    assert rule_lines("exf_handler_list.py", "AXR-EXF-002") == [28]


def test_handler_looked_up_with_get_and_called_through_a_variable() -> None:
    assert rule_lines("exf_handler_get.py", "AXR-EXF-002") == [24]


def test_registry_of_project_formatters_is_silent() -> None:
    assert rules_on("exf_handler_benign.py") == []


def test_loaded_module_file_replaced_by_a_download() -> None:
    """``mod.__file__`` of a module the program loaded is its code, whatever the file's name."""
    assert rule_lines("upd_module_file_write.py", "AXR-UPD-006") == [11]
    assert rule_lines("upd_module_file_copy.py", "AXR-UPD-006") == [13]


def test_data_file_beside_a_module_is_not_an_update() -> None:
    assert rule_lines("upd_module_file_benign.py", "AXR-UPD-006") == []


def test_aws_store_configuring_boto3_is_its_own_client() -> None:
    assert rules_on("crd_aws_sdk_benign.py") == []


def test_aws_store_read_beside_an_unconfigured_boto3_still_fires() -> None:
    assert rule_lines("crd_aws_sdk_lookalike.py", "AXR-CRD-001") == [11, 13]


def test_other_assistants_sign_ins_are_credential_stores() -> None:
    assert rule_lines("crd_copilot_apps.py", "AXR-CRD-001") == [10]
    assert rule_lines("crd_cursor_sqlite.py", "AXR-CRD-001") == [10]  # sqlite3.connect reads


def test_own_database_and_editor_settings_are_not() -> None:
    assert rules_on("crd_own_sqlite_benign.py") == []


def test_truth_of_an_object_is_its_bool_or_len_method() -> None:
    """``if gate:`` runs ``__bool__``/``__len__``: a server's answer there decides the exit."""
    assert rule_lines("rc_truth_len.py", "AXR-RC-007") == [20]
    assert rule_lines("rc_truth_attribute.py", "AXR-RC-007") == [22]


def test_truth_from_a_local_setting_is_not_remote_control() -> None:
    assert rules_on("rc_truth_benign.py") == []


def test_subscript_of_an_object_is_its_getitem() -> None:
    """``store["flag"]`` runs the class's ``__getitem__`` (bound, or an untyped parameter and
    the module's only such class): fetched flags deciding an exit."""
    assert rule_lines("rc_getitem_module.py", "AXR-RC-007") == [21]
    assert rule_lines("rc_getitem_param.py", "AXR-RC-007") == [19]


def test_getitem_over_a_local_file_is_silent() -> None:
    assert rules_on("rc_getitem_benign.py") == []
