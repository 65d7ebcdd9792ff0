"""Fake platform servers for the tests, each checked against the platform's published API."""
