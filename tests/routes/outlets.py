"""Authorization expectations: outlet approvals (see tests/routes/__init__.py).

Every staff member reads the outlets and their history. Approving is for the approving
authority and its delegates only: no role approves by itself (403 for every role here, where
nobody is recorded). Administrators record the authority and delegates; an empty form is 400.
"""
from beatdesk import clock, outlets
from beatdesk.models.outlets import OutletDelegation
from beatdesk.roles import Role

EVERYONE = frozenset(Role)
ADMIN = frozenset({Role.ADMIN})
NOBODY_BY_ROLE = frozenset()
BASE = "/console/outlets"

STAFF_ROUTES: dict = {
    ("outlets.index", "GET"): (BASE + "/", EVERYONE, 200),
    ("outlets.detail", "GET"): (BASE + "/{outlet}", EVERYONE, 200),
    ("outlets.approve", "POST"): (BASE + "/{outlet}/approve", NOBODY_BY_ROLE, 403),
    ("outlets.authority", "GET"): (BASE + "/authority", ADMIN, 200),
    ("outlets.authority", "POST"): (BASE + "/authority", ADMIN, 400),
    ("outlets.delegate", "POST"): (BASE + "/authority/delegations", ADMIN, 400),
    ("outlets.revoke", "POST"):
        (BASE + "/authority/delegations/{outlet_delegation}/revoke", ADMIN, 400),
}
PUBLIC_ROUTES: dict = {}


def objects(factory, base: dict) -> dict:
    outlet = outlets.ensure_outlet(factory.session, base["district"])
    admin = factory.user(Role.ADMIN)
    delegate = factory.user(Role.NEWS_AFFAIRS)
    delegation = OutletDelegation(user_id=delegate.id, approving_as="Delegate of the Chief",
                                  starts_at=clock.utcnow(), recorded_by_id=admin.id,
                                  revoke_reason="", note="")
    factory.session.add(delegation)
    factory.session.commit()
    return {"outlet": outlet, "outlet_delegation": delegation}
