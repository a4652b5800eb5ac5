"""Pacing: how many calls to place now. Pure code — no I/O, no clock (`now` comes in the
snapshot and every event carries its time) — so the live dialer and the simulator drive the
very same pacers through `Pacer.observe` and `Pacer.calls_to_place`."""
