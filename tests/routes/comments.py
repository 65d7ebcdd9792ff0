"""Authorization expectations for this area (see ``tests/routes/__init__.py``)."""
STAFF_ROUTES: dict = {}
PUBLIC_ROUTES: dict = {}
SIGNED_IN_AS: dict = {}


def objects(factory, base: dict) -> dict:
    return {}
