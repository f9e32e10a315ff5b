"""Fixtures for the sample site and scans (filled in by the main developer)."""
