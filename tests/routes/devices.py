"""Authorization expectations: registered devices and duty hours (see tests/routes/__init__.py).

Administrators manage devices and the requirement; the enrolment page is open (a browser that
is not registered yet must reach it, signed in or not). District staff see their district's duty
hours; only its commander sets them and only its sergeant releases a post outside them.
"""
from beatdesk.models import PostState
from beatdesk.roles import Role

ADMIN = frozenset({Role.ADMIN})
DISTRICT = frozenset({Role.REPRESENTATIVE, Role.SERGEANT, Role.COMMANDER})
COMMANDER = frozenset({Role.COMMANDER})
SERGEANT = frozenset({Role.SERGEANT})

STAFF_ROUTES: dict = {
    ("devices.index", "GET"): ("/console/devices/", ADMIN, 200),
    ("devices.new", "POST"): ("/console/devices/new", ADMIN, 400),
    ("devices.revoke", "POST"): ("/console/devices/{device}/revoke", ADMIN, 303),
    ("devices.requirement", "POST"): ("/console/devices/requirement", ADMIN, 303),
    ("duty_hours.index", "GET"): ("/console/duty-hours/", DISTRICT, 200),
    ("duty_hours.edit", "GET"): ("/console/duty-hours/{target}", COMMANDER, 200),
    ("duty_hours.edit", "POST"): ("/console/duty-hours/{target}", COMMANDER, 303),
    ("duty_hours.release", "GET"): ("/console/duty-hours/posts/{duty_post}/release", SERGEANT,
                                    200),
    ("duty_hours.release", "POST"): ("/console/duty-hours/posts/{duty_post}/release", SERGEANT,
                                     400),
}
PUBLIC_ROUTES: dict = {
    ("device_enrolment.enrol", "GET"): ("/device/enrol", 200),
    ("device_enrolment.enrol", "POST"): ("/device/enrol", 400),
}
SIGNED_IN_AS: dict = {"duty_hours.edit": Role.COMMANDER, "duty_hours.release": Role.SERGEANT}


def objects(factory, base: dict) -> dict:
    from beatdesk import clock
    from beatdesk.models.devices import RegisteredDevice

    admin = factory.user(Role.ADMIN)
    device = RegisteredDevice(name="Front desk PC, District 1", created_by_id=admin.id,
                              code_expires_at=clock.utcnow())
    factory.session.add(device)
    factory.session.commit()
    post = factory.post(base["district"], state=PostState.DRAFT, author=base["target"])
    return {"device": device, "duty_post": post}
