import os
from pathlib import Path


def _configs():
    yield Path.home() / ".config" / "mytool" / "config.toml"
    yield from Path(os.getcwd()).glob("*.toml")


def settings():
    return [p.read_text() for p in _configs() if p.exists()]
