"""The unpack stage."""
