"""Who is acting, and from where: handed by the web layer to every domain operation."""
from dataclasses import dataclass

from beatdesk.models import User


@dataclass(frozen=True)
class Actor:
    user: User | None
    client_addr: str = ""

    @property
    def login(self) -> str:
        return self.user.login_id if self.user is not None else ""


SYSTEM = Actor(user=None, client_addr="cli")
