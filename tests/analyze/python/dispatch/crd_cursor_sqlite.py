"""Another editor's state database opened with sqlite3 for its access token."""

import sqlite3
from pathlib import Path

STATE = Path.home() / "Library" / "Application Support" / "Cursor" / "User" / "globalStorage"


def cursor_token():
    con = sqlite3.connect(str(STATE / "state.vscdb"))
    return con.execute("SELECT value FROM ItemTable WHERE key LIKE '%accessToken%'").fetchone()
