"""The kernel leaf: errors, supervision and back-off, the Tokyo time zone, the Japanese era
table, SQL identifier quoting and input hygiene (storable text, problems told without echoing).
It imports nothing else of ours, so every package may use it."""
