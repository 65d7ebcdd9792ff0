"""axe-core (WCAG 2.1 A and AA) on the failed sends page, with a failed row, its tries, and the
error shown when "resolved by hand" is sent without a note."""
import pytest
from playwright.sync_api import expect

from beatdesk import clock
from beatdesk.models.platforms import (AttemptOutcome, OutboxAttempt, OutboxKind, OutboxRow,
                                       OutboxState, Platform, PlatformAccount)
from beatdesk.roles import Role
from blueprints.database import db

from .conftest import sign_in
from .test_login_a11y import assert_no_axe_violations, make_user


def _failed_row(live_server) -> int:
    with live_server.app.app_context():
        session = db()
        account = PlatformAccount(platform=Platform.LOCAL, handle="@a11y", credentials="")
        session.add(account)
        session.flush()
        now = clock.utcnow()
        row = OutboxRow(kind=OutboxKind.REPLY_HIDE, state=OutboxState.DEAD, account_id=account.id,
                        idempotency_key="a11y-row", payload={"platform_id": "1"}, attempts=1,
                        first_attempt_at=now, last_error="401 Unauthorized")
        session.add(row)
        session.flush()
        session.add(OutboxAttempt(outbox_id=row.id, number=1, worker="w", started_at=now,
                                  outcome=AttemptOutcome.PERMANENT, status_code=401,
                                  error="401 Unauthorized"))
        session.commit()
        return row.id


@pytest.mark.browser
def test_failed_sends_page_has_no_axe_violations(page, live_server):  # noqa: F811
    row_id = _failed_row(live_server)
    login_id, secret = make_user(live_server, Role.NEWS_AFFAIRS)
    sign_in(page, login_id, secret)
    page.goto("/console/outbox")
    expect(page.get_by_role("heading", name="Failed sends", level=1)).to_be_visible()
    assert_no_axe_violations(page, "the failed sends page")

    page.get_by_role("button", name=f"Resolved by hand row #{row_id}").click()
    expect(page.get_by_text("Say what was done by hand.")).to_be_visible()
    assert_no_axe_violations(page, "the failed sends page with an error")

    page.get_by_label(f"What was done by hand (row #{row_id})").fill("Hidden by hand on X.")
    page.get_by_role("button", name=f"Resolved by hand row #{row_id}").click()
    expect(page.get_by_text("was marked resolved by hand.")).to_be_visible()
    expect(page.get_by_text("Hidden by hand on X.")).to_be_visible()
