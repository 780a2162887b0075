"""``run`` leaves no ``/tmp/agentxray-run-*`` folder behind unless ``--keep``.

(``probe`` runs personas through its own loop and cleans its ``agentxray-probe-*`` root the
same way; its tests live with it.)"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from agentxray.cli import run_cmd
from agentxray.cli.main import main


def fake_execute(seen: list[Path]) -> Any:
    """Stands in for the agent: writes into the run folder it was given, like a real run does."""

    def execute(args: argparse.Namespace) -> Any:
        base = Path(args.workdir)
        (base / "home").mkdir(parents=True, exist_ok=True)
        (base / "workspace").mkdir(exist_ok=True)
        (base / "home" / ".config").write_text("agent state")
        seen.append(base)
        launch = SimpleNamespace(exit_code=0, workspace=base / "workspace")
        return SimpleNamespace(launch=launch, exchanges=())

    return execute


@pytest.fixture
def runs(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[Path]:
    seen: list[Path] = []
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr(run_cmd, "execute", fake_execute(seen))
    monkeypatch.setattr(run_cmd, "print_summary", lambda result: None)
    return seen


def test_temporary_run_folder_is_removed(
    runs: list[Path], capsys: pytest.CaptureFixture[str]
) -> None:
    main(["run", "npm:some-agent@1.0.0"])
    assert len(runs) == 1 and runs[0].name.startswith("agentxray-run-")
    assert not runs[0].exists()
    assert "kept" not in capsys.readouterr().err


def test_keep_keeps_it_and_says_where(runs: list[Path], capsys: pytest.CaptureFixture[str]) -> None:
    main(["run", "npm:some-agent@1.0.0", "--keep"])
    assert (runs[0] / "home" / ".config").is_file()
    assert f"agentxray: run folder kept: {runs[0]} " in capsys.readouterr().err


def test_given_workdir_is_never_removed(runs: list[Path], tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    main(["run", "npm:some-agent@1.0.0", "--workdir", str(mine)])
    assert runs == [mine] and (mine / "home" / ".config").is_file()


def test_removed_even_when_the_run_fails(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    made: list[Path] = []

    def broken(args: argparse.Namespace) -> Any:
        made.append(Path(args.workdir))
        raise KeyboardInterrupt

    monkeypatch.setattr(run_cmd, "execute", broken)
    assert main(["run", "npm:some-agent@1.0.0"]) == 130
    assert made and not made[0].exists()
