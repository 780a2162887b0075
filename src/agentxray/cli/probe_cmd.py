"""``agentxray probe``: run an agent once and show exactly what it sends the model (prompts verbatim)."""

from __future__ import annotations

import argparse
import logging
from typing import Any

from agentxray.cli.run_cmd import (
    add_run_options,
    claim_workdir,
    execute,
    print_summary,
    release_workdir,
    visible,
)

logger = logging.getLogger(__name__)


def register(sub: Any) -> None:
    """Add the ``probe`` parser."""
    p: argparse.ArgumentParser = sub.add_parser(
        "probe",
        help="run an agent against the mock and print the system prompt and first message it sends",
        description="Like `run` with the hello scenario, then print the system prompt and the first "
        "user message of the first model request verbatim, with invisible and non-ASCII "
        "characters spelled out.",
    )
    add_run_options(p, "hello")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """``agentxray probe``; the temporary run folder is removed afterwards unless ``--keep``."""
    made = claim_workdir(args)
    try:
        result = execute(args)
        print_summary(result)
        first = next((ex for ex in result.exchanges if ex.system or ex.first_user), None)
        if first is None:
            print("no model request was recorded")
            return 1
        for title, parts in (
            ("system prompt", first.system),
            ("first user message", first.first_user),
        ):
            for n, part in enumerate(parts):
                print(f"\n===== {title} [{n}] ({len(part)} characters) =====")
                print(visible(part))
    finally:
        release_workdir(args, made)
    return 0 if result.launch.exit_code == 0 else 1
