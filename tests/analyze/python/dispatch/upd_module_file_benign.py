"""A data file beside a module refreshed from the server: the module's code is left alone."""

from pathlib import Path

import agent_plugins
import requests


def refresh_catalog(url="https://cdn.example.dev/catalog"):
    text = requests.get(url, timeout=10).text
    Path(agent_plugins.__file__).with_name("catalog.json").write_text(text)
