"""The top-level command: error lines, exit codes and the global switches."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from agentxray.cli.main import SUBCOMMANDS, build_parser, main
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


@pytest.mark.parametrize("module", SUBCOMMANDS)
def test_a_command_line_registers_only_its_subcommand_with_the_same_parse(module: str) -> None:
    # A scan need not import the sandbox and the mock API: the parser built for a command line
    # holds the subcommand it names, registered by its module under the name the module's
    # name spells, and parses that line as the full parser does.
    command = module.removesuffix("_cmd").replace("_", "-")
    argv = ["--debug", command, "--help"]
    only = build_parser(argv)
    subparsers = next(a for a in only._actions if isinstance(a, argparse._SubParsersAction))
    assert list(subparsers.choices) == [command]
    full = build_parser()
    line = ["-v", "scan", "target.js", "--format", "json", "--debug"]
    assert build_parser(line).parse_args(line) == full.parse_args(line)


@pytest.mark.parametrize("argv", [[], ["--debug"], ["nosuchcommand"], ["--version"]])
def test_without_a_known_subcommand_every_subcommand_is_registered(argv: list[str]) -> None:
    parser = build_parser(argv)
    subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    assert len(subparsers.choices) == len(SUBCOMMANDS)


def test_an_unknown_subcommand_is_a_usage_error_naming_the_choices(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["nosuchcommand"])
    assert exit_.value.code == 2
    assert "invalid choice" in capsys.readouterr().err
