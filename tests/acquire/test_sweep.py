"""`agentxray history`: a sweep over a fake registry's releases, its store, its resumption."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from agentxray.acquire.npmconfig import load_npm_config
from agentxray.model import VersionResult
from agentxray.pipeline import sweep
from agentxray.render.history import history_to_dict, history_validator, render_history_html

from .fakeregistry import FakeRegistry

PLAIN = b"export function greet(n) { return `Hello, ${n}`; }\n"
REGIONAL = b"""export function greet(n) {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (zone === "Asia/Shanghai" || zone === "Asia/Urumqi") {
    return fetch("https://api.example.com/v1/limits?tier=restricted").then(() => "Hi");
  }
  return `Hello, ${n}`;
}
"""


def _publish(registry: FakeRegistry, plan: list[tuple[str, bytes]]) -> None:
    for i, (version, code) in enumerate(plan):
        registry.publish("greeter", version, files={"index.js": code})
        times = registry.packuments["greeter"].setdefault("time", {})
        times[version] = f"2026-01-{i + 1:02d}T00:00:00Z"


@pytest.fixture
def env(served: FakeRegistry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """npm pointed at the loopback registry; a fresh cache; the store's path."""
    monkeypatch.setenv("npm_config_registry", served.base)
    monkeypatch.setenv("AGENTXRAY_CACHE_DIR", str(tmp_path / "cache"))
    load_npm_config.cache_clear()
    yield tmp_path / "store.db"
    load_npm_config.cache_clear()


def _tarballs(registry: FakeRegistry) -> list[str]:
    return [p for p in registry.requests if p.endswith(".tgz")]


def test_a_sweep_finds_when_a_behaviour_came_and_went_and_back(
    served: FakeRegistry, env: Path
) -> None:
    _publish(
        served,
        [
            ("1.0.0", PLAIN),
            ("1.1.0", REGIONAL),
            ("1.2.0", REGIONAL),
            ("1.3.0", PLAIN),
            ("2.0.0", REGIONAL),
        ],
    )
    seen: list[tuple[str, str]] = []

    def note(result: VersionResult, done: int, total: int) -> None:
        seen.append((result.version, result.status))

    history = sweep("npm:greeter", "1.0.0..", store=env, on_version=note)
    assert sorted(seen) == [(v, "scanned") for v in ("1.0.0", "1.1.0", "1.2.0", "1.3.0", "2.0.0")]
    (geo,) = [ln for ln in history.timeline if ln.finding.category == "geofence"]
    assert (geo.first, geo.last) == ("1.1.0", "2.0.0")
    assert geo.present_in == ("1.1.0", "1.2.0", "2.0.0") and geo.gaps == (("1.2.0", "2.0.0"),)
    doc = history_to_dict(history)
    history_validator().validate(doc)
    assert doc["versions"][0] == {
        "version": "1.0.0",
        "published": "2026-01-01T00:00:00Z",
        "status": "scanned",
        "seconds": doc["versions"][0]["seconds"],
    }
    assert "gone after 1.2.0, back in 2.0.0" in render_history_html(history)
    # The downloads were dropped after their scans: the cache holds no release.
    assert not list((env.parent / "cache" / "blobs").glob("*/*.tgz"))
    assert not [p for p in (env.parent / "cache" / "blobs").glob("*/*") if p.suffix != ".json"]

    # Again: everything comes from the store, nothing is downloaded.
    before = len(_tarballs(served))
    again = sweep("npm:greeter", "1.0.0..", store=env)
    assert {v.status for v in again.versions} == {"stored"}
    assert len(_tarballs(served)) == before
    assert history_to_dict(again)["timeline"] == doc["timeline"]


def test_stored_reports_are_listed_and_shown(
    served: FakeRegistry, env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from agentxray.cli.main import main

    _publish(served, [("1.0.0", PLAIN), ("1.1.0", REGIONAL)])
    sweep("npm:greeter", None, store=env)
    assert main(["reports", "ls", "--json", "--store", str(env)]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert {(r["package"], r["version"], r["status"]) for r in listed} == {
        ("npm:greeter", "1.0.0", "ok"),
        ("npm:greeter", "1.1.0", "ok"),
    }
    assert (
        main(["reports", "show", "npm:greeter@1.1.0", "--format", "json", "--store", str(env)]) == 0
    )
    shown = json.loads(capsys.readouterr().out)
    assert any(f["category"] == "geofence" for f in shown["findings"])
    assert shown["artifacts"] and shown["target"]["version"] == "1.1.0"
    assert main(["reports", "show", "npm:greeter@9.9.9", "--store", str(env)]) == 2
    assert "no stored report" in capsys.readouterr().err


def test_bad_ranges_are_usage_errors(served: FakeRegistry, env: Path) -> None:
    from agentxray.errors import UsageError

    _publish(served, [("1.0.0", PLAIN)])
    with pytest.raises(UsageError, match="newer than"):
        sweep("npm:greeter", "2.0.0..1.0.0", store=env)
    with pytest.raises(UsageError, match="without a version"):
        sweep("npm:greeter@1.0.0", None, store=env)
    with pytest.raises(UsageError, match="no release"):
        sweep("npm:greeter", "5.0.0..", store=env)


def _rows(store: Path) -> dict[tuple[str, str], float]:
    """(version, analyzer) → when its report was written."""
    if not store.exists():
        return {}
    with sqlite3.connect(store) as db:
        try:
            rows = db.execute("SELECT version, analyzer, created FROM reports WHERE status='ok'")
            return {(v, a): c for v, a, c in rows}
        except sqlite3.OperationalError:  # killed before the migration committed
            return {}


@pytest.mark.slow
def test_a_sweep_killed_at_random_points_loses_nothing_and_scans_nothing_twice(
    served: FakeRegistry, env: Path
) -> None:
    versions = [f"1.{i}.0" for i in range(20)]  # enough that a fast machine is still mid-sweep
    _publish(served, [(v, REGIONAL if i % 3 == 1 else PLAIN) for i, v in enumerate(versions)])
    cmd = [
        sys.executable,
        "-m",
        "agentxray.cli.main",
        "history",
        "npm:greeter",
        "--versions",
        "1.0.0..",
        "--store",
        str(env),
        "--format",
        "json",
        "--jobs",
        "1",
    ]
    rng = random.Random(7)
    kept: dict[tuple[str, str], float] = {}
    for target in (1, 3, 5):  # kill once this many releases are reported, plus a random delay
        proc = subprocess.Popen(
            cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=dict(os.environ)
        )
        deadline = time.monotonic() + 120
        while len(_rows(env)) < target and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(rng.uniform(0.0, 0.15))  # mid-scan or mid-write of the next release
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        rows = _rows(env)
        assert target <= len(rows) < len(versions)  # killed part-way, as intended
        for key, created in kept.items():  # what was reported before is untouched
            assert rows[key] == created
        kept = rows
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=dict(os.environ))
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    statuses = {v["version"]: v["status"] for v in doc["versions"]}
    assert set(statuses) == set(versions)
    assert all(statuses[v] == "stored" for v, _ in kept)  # none of those was scanned again
    assert all(_rows(env)[key] == created for key, created in kept.items())
    (geo,) = [t for t in doc["timeline"] if t["category"] == "geofence"]
    assert geo["present_in"] == [v for i, v in enumerate(versions) if i % 3 == 1]


def test_a_team_store_on_postgresql_keeps_the_sweep(
    served: FakeRegistry, env: Path, postgres_url: str
) -> None:
    _publish(served, [("1.0.0", PLAIN), ("1.1.0", REGIONAL)])
    first = sweep("npm:greeter", None, store=postgres_url)
    assert [v.status for v in first.versions] == ["scanned", "scanned"]
    again = sweep("npm:greeter", None, store=postgres_url)
    assert [v.status for v in again.versions] == ["stored", "stored"]
    (geo,) = [ln for ln in again.timeline if ln.finding.category == "geofence"]
    assert geo.present_in == ("1.1.0",)
