"""Analysis of python files."""
