"""Authorization expectations for the public site and the terms administration.

(See ``tests/routes/__init__.py``.) The landing page and ``/healthz`` stay in
``tests/test_authorization.py``. Public paths are requested on an empty database, so a district
or post address answers 404 there; the page tests cover them with data.
"""
from beatdesk.models import TermsVersion
from beatdesk.roles import Role
from beatdesk.terms import render_markdown

ADMIN = frozenset({Role.ADMIN})

STAFF_ROUTES: dict = {
    ("terms.index", "GET"): ("/console/admin/terms", ADMIN, 200),
    ("terms.new", "GET"): ("/console/admin/terms/new", ADMIN, 200),
    ("terms.new", "POST"): ("/console/admin/terms/new", ADMIN, 400),
    ("terms.detail", "GET"): ("/console/admin/terms/{terms_draft}", ADMIN, 200),
    ("terms.edit", "GET"): ("/console/admin/terms/{terms_draft}/edit", ADMIN, 200),
    ("terms.edit", "POST"): ("/console/admin/terms/{terms_draft}/edit", ADMIN, 400),
    ("terms.publish", "POST"): ("/console/admin/terms/{terms_draft}/publish", ADMIN, 303),
}
PUBLIC_ROUTES: dict = {
    ("public.district", "GET"): ("/districts/no-such-district", 404),
    ("public.post", "GET"): ("/posts/999999", 404),
    ("public.terms_current", "GET"): ("/terms", 200),
    ("public.terms_version", "GET"): ("/terms/999", 404),
    ("public.department_feed", "GET"): ("/feeds/department.atom", 200),
    ("public.district_feed", "GET"): ("/districts/no-such-district/feed.rss", 404),
}
SIGNED_IN_AS: dict = {}

DRAFT_TEXT = "Draft.\n\n## Takedown Policy\n\n1. **Obscenity.** Obscene words.\n"


def objects(factory, base: dict) -> dict:
    """A draft version of the terms, written by an administrator."""
    admin = factory.user(Role.ADMIN)
    draft = TermsVersion(title="Terms draft", source_markdown=DRAFT_TEXT,
                         body_html=render_markdown(DRAFT_TEXT), created_by_id=admin.id)
    factory.session.add(draft)
    factory.session.commit()
    return {"terms_draft": draft}
