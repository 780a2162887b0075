"""agentxray probe on the real Claude Code 2.1.197 (cached download), offline in the sandbox:
the zone changes only the date line; a host changes the apostrophe, and the host reported to the
vendor's flag service. About a minute."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from agentxray.cli.main import main
from agentxray.observe.personas import faketime_library


def _sandbox_missing() -> str | None:
    for tool in ("bwrap", "nft", "ip", "unshare", "nsenter"):
        if shutil.which(tool) is None and not Path("/usr/sbin", tool).exists():
            return f"{tool} is not installed"
    if subprocess.run(["unshare", "-Urn", "true"], capture_output=True).returncode != 0:
        return "unprivileged user namespaces are blocked here"
    if not os.access("/dev/net/tun", os.R_OK | os.W_OK):
        return "/dev/net/tun is not usable here"
    if faketime_library() is None:
        return "faketime is not installed"
    return None


REASON = _sandbox_missing()


@pytest.mark.online
@pytest.mark.slow
@pytest.mark.skipif(REASON is not None, reason=REASON or "")
def test_claude_code_date_line_and_apostrophe(tmp_path: Path) -> None:
    out = tmp_path / "probe.json"
    gw = "base_url=https://llm-gw.corp.test"
    code = main([
        "probe", "npm:@anthropic-ai/claude-code@2.1.197", "--no-store",
        "--persona", f"{gw};tz=Etc/UTC;name=utc",
        "--persona", f"{gw};tz=Asia/Shanghai;name=shanghai",
        "--persona", "base_url=https://api.moonshot.ai;tz=Etc/UTC;name=moonshot",
        "--format", "json", "--output", str(out),
    ])  # fmt: skip
    assert code == 1
    diffs = json.loads(out.read_text())["differences"]
    by = {(d["personas"][1], d["where"]): d for d in diffs}
    assert sorted(by) == [
        ("moonshot", "egress"),
        ("moonshot", "model_request.messages"),
        ("shanghai", "model_request.messages"),
    ], diffs
    cn = by["shanghai", "model_request.messages"]
    assert cn["before"].startswith("Today's date is ") and "-" in cn["before"]
    assert cn["after"] == cn["before"].replace("-", "/")
    assert cn["fields"] == ["tz"]
    ms = by["moonshot", "model_request.messages"]
    assert ms["code_points"] == ["U+0027 APOSTROPHE -> U+02B9 MODIFIER LETTER PRIME"]
    assert ms["after"] == ms["before"].replace("'", "\u02b9")
    # The configured API host also travels to the vendor's flag service (GrowthBook remote eval
    # on api.anthropic.com), whatever host the model requests go to.
    # Other egress may differ too (an event-logging batch, when it is flushed before exit), so
    # the flag-service request is picked among the egress differences, not taken as the last.
    egress = [d for d in diffs if (d["personas"][1], d["where"]) == ("moonshot", "egress")]
    sent = next(d for d in egress if d["key"].startswith("api.anthropic.com POST /api/eval/"))
    assert '"apiBaseUrlHost": "api.moonshot.ai"' in sent["after"]
    assert sent["fields"] == ["base_url"]


def _differences(
    tmp_path: Path, spec: str, *personas: str, repeat: int = 2
) -> tuple[int, list[dict[str, str]]]:
    out = tmp_path / "probe.json"
    args = ["probe", spec, "--no-store", "--format", "json", "--output", str(out)]
    args += ["--repeat", str(repeat)]
    for persona in personas:
        args += ["--persona", persona]
    code = main(args)
    return code, json.loads(out.read_text())["differences"]


@pytest.mark.online
@pytest.mark.slow
@pytest.mark.skipif(REASON is not None, reason=REASON or "")
def test_each_lab_host_gets_its_own_apostrophe_and_first_party_ignores_the_zone(
    tmp_path: Path,
) -> None:
    code, diffs = _differences(
        tmp_path, "npm:@anthropic-ai/claude-code@2.1.197",
        "base_url=https://llm-gw.corp.test;name=gw",
        "base_url=https://anyrouter.top;name=anyrouter",
        "base_url=https://api.deepseek.com;name=deepseek",
    )  # fmt: skip
    assert code == 1
    seen = {
        d["personas"][1]: d["code_points"] for d in diffs if d["where"] == "model_request.messages"
    }
    assert seen == {
        "anyrouter": ["U+0027 APOSTROPHE -> U+2019 RIGHT SINGLE QUOTATION MARK"],
        "deepseek": ["U+0027 APOSTROPHE -> U+02BC MODIFIER LETTER APOSTROPHE"],
    }
    assert {d["where"] for d in diffs} == {"model_request.messages", "egress"}
    # On the vendor's own API host the Shanghai zone changes nothing. Three repeats: which
    # timing events (e.g. an attachment's compute duration) land in an event-logging batch
    # varies run to run, and with two repeats per persona such an event was once in both runs
    # of one persona and in neither of the other; the noise learner needs more repeats to see it.
    code, diffs = _differences(
        tmp_path, "npm:@anthropic-ai/claude-code@2.1.197",
        "base_url=https://api.anthropic.com;tz=Etc/UTC;name=utc",
        "base_url=https://api.anthropic.com;tz=Asia/Shanghai;name=shanghai",
        repeat=3,
    )  # fmt: skip
    assert (code, diffs) == (0, []), diffs


@pytest.mark.online
@pytest.mark.slow
@pytest.mark.skipif(REASON is not None, reason=REASON or "")
def test_a_later_release_writes_the_same_date_line_everywhere(tmp_path: Path) -> None:
    gw = "base_url=https://llm-gw.corp.test"
    code, diffs = _differences(
        tmp_path, "npm:@anthropic-ai/claude-code@2.1.332",
        f"{gw};tz=Etc/UTC;name=utc", f"{gw};tz=Asia/Shanghai;name=shanghai",
        "base_url=https://api.moonshot.ai;tz=Etc/UTC;name=moonshot",
    )  # fmt: skip
    assert not [d for d in diffs if d["where"].startswith("model_request")], diffs
    assert [(d["personas"][1], d["where"]) for d in diffs] == [("moonshot", "egress")]
    assert code == 1
