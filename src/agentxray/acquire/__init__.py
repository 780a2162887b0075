"""The acquire stage."""
