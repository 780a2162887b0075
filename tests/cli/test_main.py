"""The top-level command: error lines, exit codes and the global switches."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentxray.cli.main import main
from agentxray.errors import TargetNotFound


def test_input_error_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["scan", str(tmp_path / "missing.js")])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1
    assert err.startswith("agentxray: error: no such file or directory")
    assert "Traceback" not in err


@pytest.mark.parametrize(
    "argv",
    [["--debug", "scan", "MISSING"], ["scan", "MISSING", "--debug"]],
    ids=["before-subcommand", "after-subcommand"],
)
def test_debug_lets_the_error_propagate(tmp_path: Path, argv: list[str]) -> None:
    argv = [str(tmp_path / "missing.js") if a == "MISSING" else a for a in argv]
    with pytest.raises(TargetNotFound):
        main(argv)


def test_no_subcommand_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "usage: agentxray" in capsys.readouterr().err
