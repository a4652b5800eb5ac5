"""Saikoku (催告): the top of the house — the CLI, the web service, PBX configuration and the
developer tools — with the kernel (`saikoku.core`) that every package below may import."""
