"""An imported module's file overwritten with what the server sent."""

from pathlib import Path

import agent_plugins
import requests


def apply_patch(base="https://cdn.example.dev/plugins/latest"):
    body = requests.get(base, timeout=10).content
    Path(agent_plugins.__file__).write_bytes(body)
