"""PEP 503 HTML project pages, for indexes that do not speak PEP 691 JSON, in the JSON's shape."""

from __future__ import annotations

import logging
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urldefrag

logger = logging.getLogger(__name__)


class _Anchors(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.files: list[dict[str, Any]] = []
        self._current: dict[str, Any] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "a":
            return
        values = dict(attrs)
        href = values.get("href")
        if not href:
            return
        url, fragment = urldefrag(href)
        algo, _, digest = fragment.partition("=")
        self._current = {
            "url": url,
            "filename": "",
            "hashes": {algo: digest.lower()} if algo and digest else {},
            "yanked": "data-yanked" in values,
        }

    def handle_data(self, data: str) -> None:
        if self._current is not None:
            self._current["filename"] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._current is not None:
            self._current["filename"] = self._current["filename"].strip()
            if not self._current["filename"]:
                path = self._current["url"].rstrip("/")
                self._current["filename"] = path.rsplit("/", 1)[-1]
            self.files.append(self._current)
            self._current = None


def parse_simple_html(text: str) -> dict[str, Any]:
    """The files of a PEP 503 page as a PEP 691 ``{"files": [...]}`` mapping."""
    parser = _Anchors()
    parser.feed(text)
    parser.close()
    return {"files": parser.files}
