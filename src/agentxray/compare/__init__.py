"""The compare stage."""
