"""Pieces of ``bench/run.py``: servers, load generation, seeding of comment threads, the table."""
