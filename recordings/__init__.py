"""Recordings: lifecycle, store, checksum, retention and access-checked playback."""
