"""The observe stage."""
