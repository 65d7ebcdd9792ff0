"""Authorization expectations: check citations (see tests/routes/__init__.py)."""

STAFF_ROUTES: dict = {}
PUBLIC_ROUTES: dict = {}


def objects(factory, base: dict) -> dict:
    return {}
