"""Object-level permission predicates: ``can_<verb>(user, obj) -> bool``.

Routes check the role with a decorator first; these answer the finer question of district
scope and object state. Each is tested over every role.
"""
from beatdesk.models import District, User
from beatdesk.roles import DEPARTMENT_ROLES, Role


def _staff(user: User | None) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and user.active


def is_department_wide(user: User) -> bool:
    return user.role in DEPARTMENT_ROLES


def can_manage_users(user: User | None) -> bool:
    """Only administrators create, edit, deactivate and reset staff accounts."""
    return _staff(user) and user.role is Role.ADMIN


def can_manage_districts(user: User | None) -> bool:
    """Administrators create, edit and approve districts and department settings."""
    return _staff(user) and user.role is Role.ADMIN


def can_view_district(user: User | None, district: District) -> bool:
    """Department-wide roles see every district; district roles see only their own."""
    if not _staff(user):
        return False
    return is_department_wide(user) or user.district_id == district.id


def can_designate_representatives(user: User | None, district: District) -> bool:
    """Only the district's own commander names or replaces its representatives."""
    return (_staff(user) and user.role is Role.COMMANDER and user.district_id == district.id
            and district.is_approved)


def can_view_registry(user: User | None) -> bool:
    """The representative registry (Chicago Twitter V.A.2) is for News Affairs and admins."""
    return _staff(user) and user.role in (Role.NEWS_AFFAIRS, Role.ADMIN)


def can_view_audit(user: User | None) -> bool:
    return _staff(user) and user.role is Role.ADMIN
