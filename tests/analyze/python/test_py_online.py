"""The behaviour detector on real PyPI packages acquired and unpacked by agentxray: honest time-zone,
locale and agent code stays silent in the four accusing categories, and the data flow still sees
the environment reads it must judge (so silence is not blindness)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from agentxray.analyze.behaviour.detector import BehaviourDetector
from agentxray.analyze.interface import SourceUnit
from agentxray.analyze.python.analysis import analyse
from agentxray.model import Finding, Notice, Tree
from agentxray.unpack import unpack

pytestmark = pytest.mark.online

#: (target, what honest code it holds). Versions pinned so the expectations do not drift.
PACKAGES = [
    ("pypi:pytz==2026.6", "the Olson database and zone-name lookups"),
    ("pypi:python-dateutil==2.9.0.post0", "TZ parsing, tzlocal, offsets"),
    ("pypi:tzlocal==5.4.5", "reading the local zone from TZ, /etc/timezone, symlinks"),
    ("pypi:babel==2.19.0", "CLDR locales, default-locale negotiation from LANG/LC_*"),
    ("pypi:aider-chat==0.86.2", "an AI coding agent: model API base URLs, git, prompts"),
    ("pypi:open-interpreter==0.4.3", "an AI agent: base URLs, platform and user details"),
    ("pypi:faker==40.63.0", "fake-data providers for 80 locales, zh_CN addresses and names"),
]


def _units(tree: Tree) -> list[SourceUnit]:
    out = []
    for entry in tree.files:
        path = tree.path_of(entry)
        if entry.kind == "python" and path is not None:
            out.append(SourceUnit(entry, path.read_bytes()))
    return out


@pytest.fixture(scope="module")
def units(real_artifact, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    memo: dict[str, list[SourceUnit]] = {}

    def get(spec: str) -> list[SourceUnit]:
        if spec not in memo:
            out: Path = tmp_path_factory.mktemp("tree")
            memo[spec] = _units(unpack(real_artifact(spec), out))
        return memo[spec]

    return get


@pytest.mark.parametrize(("spec", "holds"), PACKAGES, ids=[p[0] for p in PACKAGES])
def test_real_package_is_silent(units, spec: str, holds: str) -> None:  # type: ignore[no-untyped-def]
    found = units(spec)
    assert found, f"{spec}: no Python files unpacked"
    started = time.process_time()
    findings: list[Finding] = []
    notices: list[Notice] = []
    for unit in found:
        for item in BehaviourDetector().run(unit):
            (findings if isinstance(item, Finding) else notices).append(item)
    elapsed = time.process_time() - started
    accusing = [f"{f.rule} {f.location.artifact}:{f.location.line} {f.title}" for f in findings]
    assert accusing == [], f"{spec} should be silent ({holds})"
    assert notices == []
    # A guard against a pathological blow-up, in CPU time so a loaded machine does not fail it
    # (speed itself is measured in bench/): faker's 754 files take about 13 s.
    assert elapsed < 60, f"{spec}: {elapsed:.1f} s of CPU for {len(found)} files"


def test_dateutil_tz_reads_are_followed_but_not_regional(units) -> None:  # type: ignore[no-untyped-def]
    """dateutil compares TZ with "", ":", "GMT", "UTC": seen by the flow, judged non-regional."""
    (tz,) = [
        u for u in units("pypi:python-dateutil==2.9.0.post0") if u.entry.vpath.endswith("tz/tz.py")
    ]
    seen = {(c.signal.source, v) for c in analyse(tz).comparisons for v in c.values.items}
    assert ("env:TZ", "UTC") in seen
    assert ("env:TZ", ":") in seen
