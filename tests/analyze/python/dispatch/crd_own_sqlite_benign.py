"""The agent's own history database and the editor's settings file: nothing secret."""

import json
import sqlite3
from pathlib import Path


def history():
    con = sqlite3.connect(str(Path.home() / ".myagent" / "history.db"))
    return con.execute("SELECT prompt FROM turns").fetchall()


def editor_settings():
    return json.loads((Path.home() / ".config" / "Code" / "User" / "settings.json").read_text())
