"""Mechanisms of the Python flow that hold for every idiom, not one API: values put into a
container (list, deque, queue, dict; on the instance, in the module or in a closure) and taken
out elsewhere, sinks recognised by shape, sources and decoders followed through ordinary code.
Each fixture in ``mechanisms/`` is written in a different idiom; the benign look-alikes have the
same shape without the source or the sink, and must stay silent."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from agentxray.analyze.interface import SourceUnit
from agentxray.analyze.rules_detector import PythonRulesDetector
from agentxray.model import FileEntry, Finding

HERE = Path(__file__).parent / "mechanisms"


def rules_on(name: str) -> list[tuple[str, int]]:
    """``(rule, line)`` of every rule finding on one fixture."""
    data = (HERE / name).read_bytes()
    entry = FileEntry(name, "python", len(data), hashlib.sha256(data).hexdigest())
    unit = SourceUnit(entry, data)
    found = [f for f in PythonRulesDetector().run(unit) if isinstance(f, Finding)]
    return sorted((f.rule, f.location.line) for f in found)


def rule_lines(name: str, rule: str) -> list[int]:
    return [line for r, line in rules_on(name) if r == rule]


@pytest.mark.parametrize(
    ("name", "line"),
    [
        ("tel_module_buffer.py", 16),  # module list filled by one function, posted by another
        ("tel_deque_generator.py", 23),  # deque on the instance drained by a generator
        ("tel_closure_async.py", 14),  # closure list, `async with` client
        ("tel_asyncio_queue.py", 19),  # asyncio.Queue put_nowait / await get in a comprehension
        pytest.param(
            "tel_dataclass_factory.py",
            24,  # field(default_factory=socket.gethostname), gather
            marks=pytest.mark.xfail(
                strict=True,
                reason="known defect since cdd3b7c: one behaviour reported twice, at the request "
                "in the helper (line 20, which now carries its callers' arguments) and at the "
                "call that hands it the machine facts (line 24)",
            ),
        ),
        ("tel_executor_reference.py", 13),  # run_in_executor(None, socket.gethostname)
    ],
)
def test_buffered_machine_details_are_telemetry(name: str, line: int) -> None:
    assert rule_lines(name, "AXR-TEL-006") == [line]


def test_buffer_of_app_data_is_not_telemetry() -> None:
    assert rule_lines("tel_buffer_benign.py", "AXR-TEL-006") == []
    assert rule_lines("tel_factory_benign.py", "AXR-TEL-006") == []


@pytest.mark.parametrize(
    ("name", "line"),
    [
        ("exf_mime_sendmail.py", 13),  # MIME builder .attach(), sendmail(…, msg.as_string())
        ("exf_walk_storlines.py", 12),  # os.walk names tested `in (…)`, FTP_TLS.storlines
        ("exf_imap_append.py", 16),  # imaplib handle (by module shape), .append(message)
        ("exf_walk_generator_zip.py", 20),  # walk in a generator, zipped, requests.put
    ],
)
def test_credentials_carried_to_any_network_handle(name: str, line: int) -> None:
    assert rule_lines(name, "AXR-EXF-002") == [line]


def test_walk_spells_the_names_it_keeps() -> None:
    assert rule_lines("exf_walk_generator_zip.py", "AXR-CRD-007") == [11]
    assert rule_lines("exf_walk_storlines.py", "AXR-CRD-001") == [8, 11]


def test_mail_and_upload_of_project_files_are_not_exfiltration() -> None:
    assert rules_on("exf_mail_benign.py") == []


@pytest.mark.parametrize(
    ("name", "line"),
    [
        ("crd_returned_candidates.py", 13),  # a helper returning a list of paths, read_text
        ("crd_yielded_profiles.py", 16),  # a generator yielding per platform, yield from glob
    ],
)
def test_paths_a_local_function_yields_are_spelled(name: str, line: int) -> None:
    assert rule_lines(name, "AXR-CRD-001") == [line]


def test_yielded_own_config_is_not_credential_access() -> None:
    assert [r for r, _ in rules_on("crd_candidates_benign.py") if r.startswith("AXR-CRD")] == []


@pytest.mark.parametrize(
    ("name", "line"),
    [
        ("rc_returned_async.py", 17),  # awaited helper's JSON, the test stops the program
        ("rc_returned_method.py", 14),  # a method's JSON, the test reconfigures a given object
    ],
)
def test_fetched_answer_returned_and_tested_is_a_switch(name: str, line: int) -> None:
    assert rule_lines(name, "AXR-RC-007") == [line]


def test_paging_and_error_fields_of_an_api_are_not_switches() -> None:
    assert rules_on("rc_returned_benign.py") == []


def behaviour_on(name: str) -> list[tuple[str, int]]:
    """``(rule, line)`` of every behaviour finding (geofence, fingerprint…) on one fixture."""
    from agentxray.analyze.behaviour.detector import BehaviourDetector

    data = (HERE / name).read_bytes()
    unit = SourceUnit(FileEntry(name, "python", len(data), ""), data)
    found = [f for f in BehaviourDetector().run(unit) if isinstance(f, Finding)]
    return sorted((f.rule, f.location.line) for f in found)


@pytest.mark.parametrize(
    ("name", "line"),
    [
        ("geo_memo_global.py", 15),  # a module global filled on first call (`global _ZONES`)
        ("geo_memo_classattr.py", 16),  # a class attribute filled by a classmethod
        ("geo_memo_property.py", 16),  # an instance attribute a @property fills (None in init)
    ],
)
def test_lazily_filled_cache_is_evaluated(name: str, line: int) -> None:
    assert ("py-geofence", line) in behaviour_on(name)


def test_lazily_filled_cache_of_file_kinds_is_no_geofence() -> None:
    assert behaviour_on("geo_memo_benign.py") == [("py-obfuscated-data", 12)]
