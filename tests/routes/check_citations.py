"""Authorization expectations: check citations (see tests/routes/__init__.py)."""
from beatdesk.roles import Role

ADMIN = frozenset({Role.ADMIN})

STAFF_ROUTES: dict = {
    ("checks.citations", "GET"): ("/console/admin/check-citations", ADMIN, 200),
    ("checks.edit_citation", "GET"): ("/console/admin/check-citations/guilt", ADMIN, 200),
    ("checks.edit_citation", "POST"): ("/console/admin/check-citations/guilt", ADMIN, 303),
}
PUBLIC_ROUTES: dict = {}


def objects(factory, base: dict) -> dict:
    return {}
