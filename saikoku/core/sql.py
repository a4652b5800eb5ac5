"""SQL text built from our own names (never from input): identifier quoting."""


def ident(name: str) -> str:
    """A column or table name as a quoted SQL identifier (keeps case, allows keywords)."""
    return '"' + name.replace('"', '""') + '"'
