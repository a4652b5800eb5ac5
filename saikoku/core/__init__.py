"""The kernel leaf: errors, supervision and back-off, the Tokyo time zone, the Japanese era
table and SQL identifier quoting. It imports nothing else of ours, so every package may use it."""
