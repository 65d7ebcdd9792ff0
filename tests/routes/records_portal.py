"""Authorization expectations for the requester portal (see ``tests/routes/__init__.py``).

The portal's pages are public; a tracking address is only as good as its token, so on an empty
database every tracking address is a 404. The officer's message form belongs to the records
console: records officers only.
"""
from beatdesk.roles import Role

P = "/records-requests"
TRACK = P + "/999999/track/no-such-token"

STAFF_ROUTES: dict = {
    ("records.send_message", "POST"):
        ("/console/records/{records_request}/messages", frozenset({Role.RECORDS}), 400),
}
PUBLIC_ROUTES: dict = {
    ("records_portal.new", "GET"): (f"{P}/new", 200),
    ("records_portal.submit", "POST"): (f"{P}/new", 400),
    ("records_portal.track", "GET"): (TRACK, 404),
    ("records_portal.reply", "POST"): (f"{TRACK}/reply", 404),
    ("records_portal.withdraw", "GET"): (f"{TRACK}/withdraw", 404),
    ("records_portal.withdraw", "POST"): (f"{TRACK}/withdraw", 404),
    ("records_portal.download", "GET"): (f"{TRACK}/releases/1", 404),
}
SIGNED_IN_AS: dict = {"records.send_message": Role.RECORDS}


def objects(factory, base: dict) -> dict:
    return {}
