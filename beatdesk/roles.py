"""Staff roles and which of them are bound to a district."""
from enum import StrEnum


class Role(StrEnum):
    REPRESENTATIVE = "representative"
    SERGEANT = "sergeant"
    COMMANDER = "commander"
    NEWS_AFFAIRS = "news_affairs"
    RECORDS = "records"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]

    @property
    def is_district_role(self) -> bool:
        return self in DISTRICT_ROLES


ROLE_LABELS = {
    Role.REPRESENTATIVE: "District representative",
    Role.SERGEANT: "Community policing sergeant",
    Role.COMMANDER: "District commander",
    Role.NEWS_AFFAIRS: "Office of News Affairs",
    Role.RECORDS: "Records officer",
    Role.ADMIN: "Administrator (Information Services)",
}

# Roles that act only inside one district; the others are department-wide.
DISTRICT_ROLES = frozenset({Role.REPRESENTATIVE, Role.SERGEANT, Role.COMMANDER})
DEPARTMENT_ROLES = frozenset(set(Role) - DISTRICT_ROLES)
