"""Authorization expectations for the platform accounts' administration (see ``__init__``).

Only administrators reach any of it. An empty connect or credentials form is refused (400); a
test or disconnect answers 303 back to the list (a second disconnect says so on the list).
"""
import json

from beatdesk import sealing
from beatdesk.models.platforms import Platform, PlatformAccount
from beatdesk.roles import Role

ADMIN = frozenset({Role.ADMIN})
BASE = "/console/admin/platforms"

STAFF_ROUTES: dict = {
    ("platform_accounts.index", "GET"): (BASE, ADMIN, 200),
    ("platform_accounts.connect", "GET"): (BASE + "/connect/mastodon", ADMIN, 200),
    ("platform_accounts.connect", "POST"): (BASE + "/connect/mastodon", ADMIN, 400),
    ("platform_accounts.test", "POST"): (BASE + "/{platform_account}/test", ADMIN, 303),
    ("platform_accounts.disconnect", "POST"):
        (BASE + "/{platform_account}/disconnect", ADMIN, 303),
    ("platform_accounts.credentials", "GET"):
        (BASE + "/{platform_account}/credentials", ADMIN, 200),
    ("platform_accounts.credentials", "POST"):
        (BASE + "/{platform_account}/credentials", ADMIN, 400),
}
PUBLIC_ROUTES: dict = {}
SIGNED_IN_AS: dict = {}


def objects(factory, base: dict) -> dict:
    admin = factory.user(Role.ADMIN)
    account = PlatformAccount(platform=Platform.MASTODON, district_id=base["district"].id,
                              handle="district-a@social.example",
                              base_url="https://social.example",
                              credentials=sealing.seal(json.dumps({"access_token": "t"})),
                              connected_by_id=admin.id)
    factory.session.add(account)
    factory.session.commit()
    return {"platform_account": account}
