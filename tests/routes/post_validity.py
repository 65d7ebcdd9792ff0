"""Authorization expectations: post validity (see tests/routes/__init__.py).

The post is a wanted-person notice published in district A, past its review date. Empty forms
are refused (400) for the roles allowed; the matrix's representatives are not designated and did
not write it, so they may not resolve it.
"""
from datetime import timedelta

from beatdesk import clock
from beatdesk.models import Category, PostState
from beatdesk.roles import Role

EVERYONE = frozenset(Role)
P = "/console/posts"

STAFF_ROUTES: dict = {
    ("posts.validity", "GET"): (f"{P}/{{validity_post}}/validity", EVERYONE, 200),
    ("posts.still_current", "POST"): (f"{P}/{{validity_post}}/still-current",
                                      frozenset({Role.SERGEANT}), 400),
    ("posts.resolve", "POST"): (f"{P}/{{validity_post}}/resolve",
                                frozenset({Role.SERGEANT, Role.COMMANDER, Role.NEWS_AFFAIRS}),
                                400),
}
PUBLIC_ROUTES: dict = {}
SIGNED_IN_AS: dict = {"posts.still_current": Role.SERGEANT, "posts.resolve": Role.SERGEANT}


def objects(factory, base: dict) -> dict:
    post = factory.post(base["district"], state=PostState.PUBLISHED,
                        category=Category.WANTED_PERSON,
                        body="Wanted for questioning: call 311 with information.",
                        valid_until=clock.utcnow() - timedelta(days=1))
    return {"validity_post": post}
