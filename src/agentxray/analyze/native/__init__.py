"""Analysis of native files."""
