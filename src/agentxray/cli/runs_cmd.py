"""``agentxray runs ls|show``: the stored record of live runs."""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path
from typing import Any

from agentxray.errors import UsageError
from agentxray.render.json import finding_to_dict
from agentxray.render.run_terminal import render_run, render_runs_table
from agentxray.render.terminal import terminal_console
from agentxray.store import default_store_path
from agentxray.store.runs import RunStore, StoredRun, event_to_dict

logger = logging.getLogger(__name__)


def register(sub: Any) -> None:
    """Add the ``runs`` parser with its ``ls`` and ``show`` actions."""
    p: argparse.ArgumentParser = sub.add_parser(
        "runs",
        help="list or show the stored live runs",
        description="Every `agentxray run` is stored ($AGENTXRAY_STORE, else "
        "$XDG_DATA_HOME/agentxray/agentxray.sqlite, else ~/.local/share/agentxray/"
        "agentxray.sqlite); a run that was interrupted is listed as incomplete.",
    )
    actions = p.add_subparsers(dest="runs_action", metavar="ACTION", required=True)
    ls = actions.add_parser("ls", help="list stored runs, newest first")
    ls.add_argument("--json", action="store_true", help="print JSON instead of a table")
    ls.add_argument("--store", type=Path, help="the SQLite store to read (default: see above)")
    ls.set_defaults(func=run_ls)
    show = actions.add_parser("show", help="show one run: what it contacted, read, wrote, ran")
    show.add_argument("run", metavar="RUN", help="a run id from `agentxray runs ls`, or `last`")
    show.add_argument("--format", choices=("terminal", "json"), default="terminal")
    show.add_argument("--store", type=Path, help="the SQLite store to read (default: see above)")
    show.set_defaults(func=run_show)


def _open(args: argparse.Namespace, *, must_exist: bool) -> RunStore | None:
    path: Path = args.store or default_store_path()
    if not path.exists():
        if must_exist:
            raise UsageError(
                f"no run store at {path}", hint="Run `agentxray run` first, or pass --store FILE."
            )
        return None
    return RunStore(path)


def _summary(run: StoredRun) -> dict[str, Any]:
    return {
        "id": run.id,
        "started": run.started,
        "command": list(run.command),
        "target": run.target,
        "scenario": run.scenario,
        "policy": run.policy,
        "exit_code": run.exit_code,
        "duration_s": run.duration_s,
        "complete": run.complete,
        "events": run.event_count,
        "findings": run.finding_count,
    }


def run_ls(args: argparse.Namespace) -> int:
    """Print the stored runs."""
    store = _open(args, must_exist=False)
    runs = [] if store is None else store.list_runs()
    if store is not None:
        store.close()
    rows = [_summary(r) for r in runs]
    if args.json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
    elif not rows:
        print("No runs stored yet.")
    else:
        render_runs_table(rows, terminal_console())
    return 0


def document(run: StoredRun) -> dict[str, Any]:
    """The run's report document: the stored one (its ``run`` object brought up to date), or
    for a run that never finished, one made of what was stored."""
    if run.report is not None:
        doc = dict(run.report)
        doc["run"] = {**dict(doc.get("run") or {}), **run.run_object()}
        doc.setdefault("events", [event_to_dict(e) for e in run.events])
        return doc
    return {
        "run": run.run_object(),
        "events": [event_to_dict(e) for e in run.events],
        "findings": [finding_to_dict(f) for f in run.findings],
    }


def run_show(args: argparse.Namespace) -> int:
    """Print one run."""
    store = _open(args, must_exist=True)
    assert store is not None
    try:
        if args.run == "last":
            run_id = store.latest_run_id()
        elif args.run.isdigit():
            run_id = int(args.run)
        else:
            raise UsageError(f"{args.run!r} is not a run id", hint="Give a number or `last`.")
        run = store.load_run(run_id) if run_id is not None else None
    finally:
        store.close()
    if run is None:
        raise UsageError(
            f"there is no run {args.run} in {args.store or default_store_path()}",
            hint="See `agentxray runs ls`.",
        )
    doc = document(run)
    if args.format == "json":
        print(json.dumps(doc, indent=2, ensure_ascii=False))
    else:
        render_run(doc, terminal_console())
    return 0
