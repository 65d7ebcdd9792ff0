"""The ``can_*`` predicates over every role, own district and another district."""
import pytest

from beatdesk import permissions
from beatdesk.models import District, User
from beatdesk.roles import DISTRICT_ROLES, Role

from .conftest import sign_in

OWN = District(id=1, number=1, name="One", slug="one", approved_at=object(), approved_by_id=1)
OTHER = District(id=2, number=2, name="Two", slug="two", approved_at=object(), approved_by_id=1)
UNAPPROVED = District(id=3, number=3, name="Three", slug="three")


def staff(role: Role, district: District | None = OWN, active: bool = True) -> User:
    district_id = district.id if role in DISTRICT_ROLES else None
    return User(id=10, role=role, district_id=district_id, active=active)


# role -> (manage users, manage districts, view own, view other, designate own, registry, audit)
EXPECTED = {
    Role.REPRESENTATIVE: (False, False, True, False, False, False, False),
    Role.SERGEANT: (False, False, True, False, False, False, False),
    Role.COMMANDER: (False, False, True, False, True, False, False),
    Role.NEWS_AFFAIRS: (False, False, True, True, False, True, False),
    Role.RECORDS: (False, False, True, True, False, False, False),
    Role.ADMIN: (True, True, True, True, False, True, True),
}


def outcomes(user):
    return (permissions.can_manage_users(user), permissions.can_manage_districts(user),
            permissions.can_view_district(user, OWN), permissions.can_view_district(user, OTHER),
            permissions.can_designate_representatives(user, OWN),
            permissions.can_view_registry(user), permissions.can_view_audit(user))


@pytest.mark.parametrize("role", list(Role), ids=str)
def test_predicates_by_role(role):
    assert outcomes(staff(role)) == EXPECTED[role]


@pytest.mark.parametrize("role", list(Role), ids=str)
def test_inactive_users_may_do_nothing(role):
    assert outcomes(staff(role, active=False)) == (False,) * 7


def test_nobody_may_do_anything_anonymously():
    assert outcomes(None) == (False,) * 7


def test_commander_cannot_designate_in_an_unapproved_district():
    commander = staff(Role.COMMANDER, UNAPPROVED)
    assert not permissions.can_designate_representatives(commander, UNAPPROVED)


def test_every_role_is_covered():
    assert set(EXPECTED) == set(Role)


def test_district_list_is_scoped(client, factory):
    own, other = factory.district(number=31, name="Own"), factory.district(number=32, name="Other")
    sign_in(client, factory.user(Role.SERGEANT, own))
    page = client.get("/console/districts/").get_data(as_text=True)
    assert "Own" in page and "Other" not in page
    sign_in(client, factory.user(Role.RECORDS))
    page = client.get("/console/districts/").get_data(as_text=True)
    assert "Own" in page and "Other" in page
