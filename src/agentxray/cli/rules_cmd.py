"""``agentxray rules list|show|lint|test|docs``: inspect, check, test and document rule packs."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import Any

from agentxray.analyze.rules_fixtures import check_fixtures
from agentxray.errors import UsageError
from agentxray.rules.docs import rule_page, write_docs
from agentxray.rules.lint import lint
from agentxray.rules.loader import RuleSet, load_rules

logger = logging.getLogger(__name__)


def register(sub: Any) -> None:
    """Add the ``rules`` parser with its actions."""
    p: argparse.ArgumentParser = sub.add_parser(
        "rules",
        help="list, show, lint or document the rules",
        description="The YAML rule packs: the core pack plus packs registered through the "
        "'agentxray.rulepacks' entry-point group and --pack directories.",
    )
    p.add_argument("--pack", action="append", type=Path, default=[], help="extra rule directory")
    actions = p.add_subparsers(dest="rules_action", metavar="ACTION", required=True)
    ls = actions.add_parser("list", help="one line per rule")
    ls.add_argument("--category", help="only this category")
    ls.set_defaults(func=run_list)
    show = actions.add_parser("show", help="a rule's documentation page")
    show.add_argument("rule_id", metavar="RULE_ID")
    show.set_defaults(func=run_show)
    check = actions.add_parser("lint", help="check the rules; exit 1 on problems")
    check.add_argument("--fixtures", type=Path, help="fixture directory to require cases from")
    check.set_defaults(func=run_lint)
    test = actions.add_parser("test", help="run the rules on their annotated fixtures")
    test.add_argument("fixtures", type=Path, help="directory of <rule-id>.<js|ts|py|strings> files")
    test.set_defaults(func=run_test)
    docs = actions.add_parser("docs", help="write Markdown docs, one page per rule")
    docs.add_argument("dest", type=Path, nargs="?", default=Path("docs/rules"))
    docs.set_defaults(func=run_docs)


def _rules(args: argparse.Namespace) -> RuleSet:
    return load_rules(extra=args.pack)


def run_list(args: argparse.Namespace) -> int:
    """Print ``id  category  severity  title``."""
    for lr in _rules(args).loaded:
        r = lr.rule
        if args.category and r.category != args.category:
            continue
        print(f"{r.id:<12} {r.category:<18} {r.severity:<8} {r.title}")
    return 0


def run_show(args: argparse.Namespace) -> int:
    """Print one rule's page."""
    lr = _rules(args).get(args.rule_id)
    if lr is None:
        raise UsageError(f"no rule {args.rule_id!r}", hint="See `agentxray rules list`.")
    print(rule_page(lr), end="")
    return 0


def run_lint(args: argparse.Namespace) -> int:
    """Print problems; exit 1 when there are any."""
    ruleset = _rules(args)
    problems = lint(ruleset, args.fixtures)
    for p in problems:
        print(f"{p.rule}: [{p.check}] {p.message}")
    print(f"{len(ruleset.loaded)} rules, {len(problems)} problems")
    return 1 if problems else 0


def run_test(args: argparse.Namespace) -> int:
    """Print one line per fixture; exit 1 when a rule misses or over-fires."""
    if not args.fixtures.is_dir():
        raise UsageError(f"fixture directory {args.fixtures} does not exist")
    results = check_fixtures(args.fixtures, _rules(args))
    for r in results:
        if r.passed:
            print(f"ok    {r.path.name}")
            continue
        missed = sorted(r.expected - r.found)
        extra = sorted(r.found - r.expected)
        print(f"FAIL  {r.path.name}: missed lines {missed}, unexpected lines {extra}")
    failed = sum(not r.passed for r in results)
    print(f"{len(results)} fixtures, {failed} failed")
    return 1 if failed or not results else 0


def run_docs(args: argparse.Namespace) -> int:
    """Write the docs folder."""
    written = write_docs(_rules(args), args.dest)
    print(f"wrote {len(written)} files to {args.dest}")
    return 0
