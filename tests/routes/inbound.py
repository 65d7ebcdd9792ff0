"""Authorization expectations for moderating replies captured from the platforms.

(See ``tests/routes/__init__.py``.) "Block author" and "Report to the instance" are offered on a
Mastodon reply to the moderators of its district (representatives and the sergeant) and News
Affairs, like every moderation action; everyone else gets 403.
"""
import uuid

from beatdesk import clock
from beatdesk.models import (Comment, CommentState, OutboxKind, OutboxRow, OutboxState, Platform,
                             PlatformAccount, PostState)
from beatdesk.roles import Role

MODERATORS = frozenset({Role.REPRESENTATIVE, Role.SERGEANT, Role.NEWS_AFFAIRS})

STAFF_ROUTES: dict = {
    ("moderation.platform_block", "POST"):
        ("/console/moderation/comments/{platform_comment}/platform-block", MODERATORS, 303),
    ("moderation.platform_report", "POST"):
        ("/console/moderation/comments/{platform_comment}/platform-report", MODERATORS, 400),
}
PUBLIC_ROUTES: dict = {}
SIGNED_IN_AS: dict = {"moderation.platform_block": Role.SERGEANT,
                      "moderation.platform_report": Role.SERGEANT}


def objects(factory, base: dict) -> dict:
    """A Mastodon account of district A, a post it sent, and a held reply captured from it."""
    session = factory.session
    post = factory.post(base["district"], state=PostState.PUBLISHED)
    account = PlatformAccount(platform=Platform.MASTODON, district_id=post.district_id,
                              handle="district@social.example",
                              base_url="https://social.example", active=True)
    session.add(account)
    session.flush()
    session.add(OutboxRow(kind=OutboxKind.POST_CREATE, state=OutboxState.SENT,
                          account_id=account.id, post_id=post.id,
                          revision_id=post.current_revision_id,
                          idempotency_key=uuid.uuid4().hex, platform_id="1100",
                          sent_at=clock.utcnow()))
    comment = Comment(post_id=post.id, district_id=post.district_id, author_name="Kim",
                      body="A reply on Mastodon.", state=CommentState.HELD,
                      source_platform="mastodon", platform_id=f"m-{uuid.uuid4().hex}",
                      account_id=account.id, author_handle="@kim@town.example",
                      author_ref="4242", platform_url="https://town.example/@kim/1",
                      platform_kind="reply", platform_created_at=clock.utcnow())
    session.add(comment)
    session.commit()
    return {"platform_comment": comment}
