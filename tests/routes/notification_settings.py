"""Authorization expectations for the e-mail notification settings (see ``__init__``).

Every signed-in staff user chooses their own notifications; there is no one else's page to
reach. An empty POST is refused (400) for every role: a role that receives e-mail must choose
each kind, one that receives none has nothing to save.
"""
from beatdesk.roles import Role

EVERYONE = frozenset(Role)

STAFF_ROUTES: dict = {
    ("notification_settings.index", "GET"): ("/console/notifications", EVERYONE, 200),
    ("notification_settings.index", "POST"): ("/console/notifications", EVERYONE, 400),
}
PUBLIC_ROUTES: dict = {}
SIGNED_IN_AS: dict = {"notification_settings.index": Role.SERGEANT}


def objects(factory, base: dict) -> dict:
    return {}
