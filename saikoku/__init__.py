"""Saikoku (催告): the shared kernel — settings, logging, errors, supervision and the CLI."""
