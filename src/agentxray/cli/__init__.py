"""Command-line interface: the only place that prints results or exits."""
