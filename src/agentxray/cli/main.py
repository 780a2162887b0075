"""Entry point of the ``agentxray`` command: parses arguments and dispatches to subcommands."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from agentxray import __version__
from agentxray.errors import AgentXrayError

logger = logging.getLogger(__name__)

#: Subcommand modules under ``agentxray.cli``, in help order. Each defines
#: ``register(subparsers)``, which adds its parser and sets ``func(args) -> int`` on it.
SUBCOMMANDS: tuple[str, ...] = (
    "unpack_cmd",
    "scan_cmd",
    "diff_cmd",
    "history_cmd",
    "reports_cmd",
    "mock_api_cmd",
    "run_cmd",
    "runs_cmd",
    "probe_cmd",
    "profiles_cmd",
    "inventory_cmd",
    "cache_cmd",
    "rules_cmd",
)


def _modules(argv: Sequence[str] | None) -> tuple[str, ...]:
    """The subcommand modules to register: the one ``argv`` names (its first word that is not
    a switch: the global switches take no value), or every one (help, no or unknown command)."""
    command = next((a for a in argv if not a.startswith("-")), None) if argv else None
    module = f"{command.replace('-', '_')}_cmd" if command else None
    return (module,) if module in SUBCOMMANDS else SUBCOMMANDS


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The argument parser, with one subparser per subcommand; given the command line, only
    the subcommand it names, so that a scan does not import the sandbox, the mock API and the
    rest (0.7 s of CPU before anything is scanned; the same parse)."""
    parser = argparse.ArgumentParser(
        prog="agentxray",
        description="Turn closed AI coding agents into glass boxes: unpack, scan, observe, track.",
    )
    parser.add_argument("--version", action="version", version=f"agentxray {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks and debug logs")
    parser.add_argument("-v", "--verbose", action="store_true", help="show progress logs")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in _modules(argv):
        importlib.import_module(f"agentxray.cli.{name}").register(sub)
    # The global switches are accepted after the subcommand too (`agentxray scan X --debug`);
    # SUPPRESS keeps a subcommand's absent switch from overriding one given before it.
    for subparser in sub.choices.values():
        subparser.add_argument(
            "--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS
        )
        subparser.add_argument(
            "-v",
            "--verbose",
            action="store_true",
            default=argparse.SUPPRESS,
            help=argparse.SUPPRESS,
        )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the process exit code (0 ok, 1 findings, 2 usage or input error)."""
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    level = logging.DEBUG if args.debug else logging.INFO if args.verbose else logging.WARNING
    logging.basicConfig(
        level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        code: int = args.func(args)
    except AgentXrayError as exc:
        if args.debug:
            raise
        print(f"agentxray: error: {exc.diagnostics()}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("agentxray: interrupted.", file=sys.stderr)
        return 130
    except OSError as exc:
        if args.debug:
            raise
        print(f"agentxray: error: {exc}. Re-run with --debug for details.", file=sys.stderr)
        return 2
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
