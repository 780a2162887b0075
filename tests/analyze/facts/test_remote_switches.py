"""Requests the data flow finds in less common shapes: DNS lookup tools run as commands whose
argument list is a variable, the program found with ``shutil.which``."""

from __future__ import annotations

import textwrap

from agentxray.analyze.facts.python import extract_python
from agentxray.model import Fact


def py_facts(src: str) -> list[Fact]:
    return extract_python("a.py", textwrap.dedent(src))


def requests_at(facts: list[Fact]) -> dict[int, str]:
    return {
        f.location.line: f.value
        for f in facts
        if f.kind == "network_request" and not f.detail.startswith("flow:")
    }


def test_a_dns_tool_chosen_among_argument_lists_is_a_request() -> None:
    facts = py_facts(
        """
        import shutil, subprocess
        def records(zone):
            tool = shutil.which("drill")
            if tool:
                argv = [tool, "TXT", zone]
            else:
                argv = ["nslookup", "-q=TXT", zone]
            return subprocess.run(argv, capture_output=True, text=True).stdout
        """
    )
    assert requests_at(facts).get(9, "").split()[0] in ("drill", "nslookup")


def test_a_local_tool_chosen_among_argument_lists_is_no_request() -> None:
    facts = py_facts(
        """
        import shutil, subprocess
        def changes(root):
            tool = shutil.which("git")
            if tool:
                argv = [tool, "status", "--porcelain", root]
            else:
                argv = ["hg", "status", root]
            return subprocess.run(argv, capture_output=True, text=True).stdout
        """
    )
    assert 9 not in requests_at(facts)
