"""Recruit Hub: real-time communications hub for recruitment platforms."""

__version__ = "0.1.0"
