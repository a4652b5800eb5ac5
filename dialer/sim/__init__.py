"""The pacing simulator: replicated calling days on a virtual clock, driving the same pacers as
the live dialer (`saikoku simulate`, `saikoku bench pacing`)."""
