"""Recorded permissions that allow a blocking finding: News Affairs exceptions, employees' consent, image permissions."""
