"""Analysis of js files."""
