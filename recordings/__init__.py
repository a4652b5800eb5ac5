"""Recordings: lifecycle, store, checksum, retention and access-checked playback (grows with the desktop issue)."""
