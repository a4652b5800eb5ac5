"""Dialing: the AMI client, call-attempt lifecycle and (later) pacing and the simulator."""
