"""Authorization expectations for waiting on the requester (see ``tests/routes/__init__.py``).

Only records officers ask for a clarification, send a fee estimate, offer to narrow a request or
record the answer. An empty form is refused with 400 for them.
"""
from beatdesk.roles import Role

OFFICER = frozenset({Role.RECORDS})
P = "/console/records/{records_request}/wait"

STAFF_ROUTES: dict = {
    ("records_tolling.start", "POST"): (P + "/clarification", OFFICER, 400),
    ("records_tolling.answer", "POST"): (P + "/answer", OFFICER, 400),
}
PUBLIC_ROUTES: dict = {}
SIGNED_IN_AS: dict = {"records_tolling.start": Role.RECORDS,
                      "records_tolling.answer": Role.RECORDS}


def objects(factory, base: dict) -> dict:
    return {}
