"""Fact extractors: JavaScript/TypeScript (tree-sitter), Python (ast) and native strings files."""
