"""Recognising decoders of hidden data in JavaScript and evaluating them in a sandboxed V8 isolate."""
