"""``agentxray profiles list|show|schema|lint``: the agent profiles `run` and `probe` start agents by."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from importlib import resources
from pathlib import Path
from typing import Any

from agentxray.errors import UsageError

logger = logging.getLogger(__name__)


def register(sub: Any) -> None:
    """Add the ``profiles`` parser and its subcommands."""
    p: argparse.ArgumentParser = sub.add_parser(
        "profiles",
        help="list, show, validate agent profiles (how run and probe start an agent)",
        description="Agent profiles are YAML data: launch command, files, environment, dialect "
        "and hosts. See docs/profiles.md.",
    )
    verbs = p.add_subparsers(dest="verb", metavar="VERB", required=True)
    ls = verbs.add_parser("list", help="the built-in profiles")
    ls.set_defaults(func=_list)
    show = verbs.add_parser("show", help="print a built-in profile's YAML")
    show.add_argument("name")
    show.set_defaults(func=_show)
    schema = verbs.add_parser("schema", help="print the JSON Schema of a profile file")
    schema.set_defaults(func=_schema)
    lint = verbs.add_parser(
        "lint",
        help="check profile files (schema, placeholders, prompt, CA); exit 1 on errors",
        description="Check profile YAML files, or built-in profiles by name. Exit 0 when none "
        "has an error (warnings are printed), 1 when one has, 2 when a file cannot be read.",
    )
    lint.add_argument("files", nargs="+", metavar="FILE", help="profile YAML file or built-in name")
    lint.set_defaults(func=_lint)


def _builtin_text(name: str) -> str:
    return (resources.files("agentxray.observe") / "profiles" / f"{name}.yaml").read_text(
        encoding="utf-8"
    )


def _list(args: argparse.Namespace) -> int:
    from agentxray.observe.profile import load_profile, profile_names

    for name in profile_names():
        profile = load_profile(name)
        print(f"{name:12} {profile.default_spec:40} {profile.dialect:17} {profile.description}")
    return 0


def _show(args: argparse.Namespace) -> int:
    from agentxray.observe.profile import profile_names

    if args.name not in profile_names():
        raise UsageError(
            f"no built-in profile {args.name!r}", hint=f"Known: {', '.join(profile_names())}."
        )
    sys.stdout.write(_builtin_text(args.name))
    return 0


def _schema(args: argparse.Namespace) -> int:
    from agentxray.observe.profile import profile_schema

    print(json.dumps(profile_schema(), indent=2, ensure_ascii=False))
    return 0


def _lint(args: argparse.Namespace) -> int:
    from agentxray.observe.profile import lint_profile, profile_names

    errors = 0
    for item in args.files:
        path = Path(item)
        if path.is_file():
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise UsageError(f"cannot read profile {item}: {exc}") from exc
        elif item in profile_names():
            text = _builtin_text(item)
        else:
            raise UsageError(
                f"{item!r} is neither a file nor a built-in profile",
                hint=f"Built-in: {', '.join(profile_names())}.",
            )
        problems = lint_profile(text)
        for problem in problems:
            print(f"{item}: {problem.level}: {problem.where}: {problem.message}")
        n = sum(1 for p in problems if p.level == "error")
        errors += n
        if not problems:
            print(f"{item}: ok")
    return 1 if errors else 0
