"""Parsing JavaScript and TypeScript with tree-sitter."""

from __future__ import annotations

from functools import cache

import tree_sitter_javascript
import tree_sitter_typescript
from tree_sitter import Language, Parser, Tree


@cache
def language(typescript: bool = False) -> Language:
    """The tree-sitter language object (cached)."""
    if typescript:
        return Language(tree_sitter_typescript.language_typescript())
    return Language(tree_sitter_javascript.language())


def parse_js(data: bytes, *, typescript: bool = False) -> Tree:
    """Parse source bytes; tree-sitter recovers from syntax errors, so this does not raise."""
    return Parser(language(typescript)).parse(data)
