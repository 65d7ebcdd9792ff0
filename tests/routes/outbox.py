"""Authorization expectations for failed sends (the outbox's dead rows)."""
from beatdesk import clock
from beatdesk.models.platforms import (OutboxKind, OutboxRow, OutboxState, Platform,
                                       PlatformAccount)
from beatdesk.roles import Role

MANAGERS = frozenset({Role.ADMIN, Role.NEWS_AFFAIRS})

STAFF_ROUTES: dict = {
    ("outbox.dead", "GET"): ("/console/outbox", MANAGERS, 200),
    ("outbox.retry", "POST"): ("/console/outbox/{dead_row}/retry", MANAGERS, 303),
    # No note: refused with the reason next to the field.
    ("outbox.resolve", "POST"): ("/console/outbox/{dead_row}/resolve", MANAGERS, 400),
}
PUBLIC_ROUTES: dict = {}
SIGNED_IN_AS: dict = {}


def objects(factory, base: dict) -> dict:
    account = PlatformAccount(platform=Platform.LOCAL, district_id=base["district"].id,
                              handle="@routes-local", credentials="", active=True)
    factory.session.add(account)
    factory.session.flush()
    now = clock.utcnow()
    row = OutboxRow(kind=OutboxKind.REPLY_HIDE, state=OutboxState.DEAD, account_id=account.id,
                    idempotency_key=f"routes-{account.id}", payload={"platform_id": "1"},
                    attempts=1, last_error="401 Unauthorized", first_attempt_at=now)
    factory.session.add(row)
    factory.session.commit()
    return {"dead_row": row}
