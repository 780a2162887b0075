"""`agentxray mock-api` prints its base URL first, serves, records, and stops on interrupt."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import httpx

from agentxray.observe.mockapi.recorder import from_json
from agentxray.store.sqlite import Store


def test_first_line_is_the_base_url_and_requests_are_recorded(tmp_path: Path) -> None:
    record = tmp_path / "rec.jsonl"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "agentxray.cli.main",
            "mock-api",
            "--port",
            "0",
            "--scenario",
            "edit",
            "--record",
            str(record),
            "--store",
            str(tmp_path / "r.db"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:") and not url.endswith(":0")
        r = httpx.post(
            f"{url}/v1/messages",
            json={"model": "m", "messages": [{"role": "user", "content": "hi"}]},
        )
        assert r.status_code == 200
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err
    (line,) = record.read_text().splitlines()
    assert json.loads(line)["outcome"].startswith("side request")
    store = Store(tmp_path / "r.db")
    (run,) = store.runs()
    (stored,) = store.exchanges(int(str(run["id"])))
    assert stored == from_json(json.loads(line))
    store.close()


def test_bad_scenario_is_a_usage_error(tmp_path: Path) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "agentxray.cli.main",
            "mock-api",
            "--scenario",
            str(tmp_path / "none.yaml"),
        ],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert proc.returncode == 2 and "no scenario named" in proc.stderr


def test_tls_prints_the_ca_file_that_verifies_the_server(tmp_path: Path) -> None:
    import ssl

    proc = subprocess.Popen(
        [sys.executable, "-m", "agentxray.cli.main", "mock-api", "--tls"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        ca_line = proc.stdout.readline().strip()
        assert url.startswith("https://127.0.0.1:") and ca_line.startswith("ca_file=")
        trusted = ssl.create_default_context(cafile=ca_line.removeprefix("ca_file="))
        r = httpx.get(f"{url}/v1/models", verify=trusted)
        assert r.status_code == 200 and r.json()["object"] == "list"
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=10)
    assert proc.returncode == 0
