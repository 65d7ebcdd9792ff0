"""Authorization expectations for the policy checks (see ``tests/routes/__init__.py``)."""
from beatdesk.models import CheckTerm
from beatdesk.roles import Role

EVERYONE = frozenset(Role)
ADMIN = frozenset({Role.ADMIN})

STAFF_ROUTES: dict = {
    ("checks.rules", "GET"): ("/console/checks", EVERYONE, 200),
    ("checks.terms", "GET"): ("/console/admin/check-terms", ADMIN, 200),
    ("checks.terms", "POST"): ("/console/admin/check-terms", ADMIN, 400),
    ("checks.deactivate_term", "POST"):
        ("/console/admin/check-terms/{check_term}/deactivate", ADMIN, 303),
}
PUBLIC_ROUTES: dict = {}
SIGNED_IN_AS: dict = {}


def objects(factory, base: dict) -> dict:
    admin = factory.user(Role.ADMIN)
    term = CheckTerm(rule="confidential", phrase="operation nightfall", active=True,
                     created_by_id=admin.id)
    factory.session.add(term)
    factory.session.commit()
    return {"check_term": term}
