"""Authorization expectations for visitor comments and the moderation console.

(See ``tests/routes/__init__.py``.) Who may do what (``beatdesk/moderation.py``): the district's
representatives and sergeant and News Affairs moderate; the commander reads the district's
queue and comments; records officers and administrators have no access to comments here
(records officers read removed comments in the archive); keyword lists are the administrator's;
the report is for the sergeant and News Affairs.
"""
from beatdesk import clock, terms
from beatdesk.models import (Comment, CommenterBlock, CommentState, KeywordAction, PostState,
                             ScreeningKeyword)
from beatdesk.roles import Role

MODERATORS = frozenset({Role.REPRESENTATIVE, Role.SERGEANT, Role.NEWS_AFFAIRS})
READERS = MODERATORS | {Role.COMMANDER}
ADMIN = frozenset({Role.ADMIN})
REPORT = frozenset({Role.SERGEANT, Role.NEWS_AFFAIRS})

STAFF_ROUTES: dict = {
    ("moderation.queue", "GET"): ("/console/moderation/", READERS, 200),
    ("moderation.bulk", "POST"): ("/console/moderation/bulk", MODERATORS, 400),
    ("moderation.comment", "GET"): ("/console/moderation/comments/{comment}", READERS, 200),
    ("moderation.act", "POST"): ("/console/moderation/comments/{comment}/action", MODERATORS, 400),
    ("moderation.decide", "POST"):
        ("/console/moderation/comments/{comment}/decide", MODERATORS, 400),
    ("moderation.add_note", "POST"):
        ("/console/moderation/comments/{comment}/notes", MODERATORS, 400),
    ("moderation.reply", "POST"): ("/console/moderation/comments/{comment}/reply", MODERATORS, 400),
    ("moderation.block", "POST"): ("/console/moderation/comments/{comment}/block", MODERATORS, 400),
    ("moderation.blocks", "GET"): ("/console/moderation/blocks", MODERATORS, 200),
    ("moderation.lift_block", "POST"):
        ("/console/moderation/blocks/{comment_block}/lift", MODERATORS, 303),
    ("moderation.keywords", "GET"): ("/console/moderation/keywords", ADMIN, 200),
    ("moderation.keywords", "POST"): ("/console/moderation/keywords", ADMIN, 400),
    ("moderation.deactivate_keyword", "POST"):
        ("/console/moderation/keywords/{comment_keyword}/deactivate", ADMIN, 303),
    ("moderation.report", "GET"): ("/console/moderation/report", REPORT, 200),
}
# Requested on an empty database: the post does not exist.
PUBLIC_ROUTES: dict = {
    ("comments.submit", "POST"): ("/posts/999999/comments", 404),
}
SIGNED_IN_AS: dict = {
    "moderation.bulk": Role.SERGEANT, "moderation.act": Role.SERGEANT,
    "moderation.decide": Role.SERGEANT,
    "moderation.add_note": Role.SERGEANT, "moderation.reply": Role.SERGEANT,
    "moderation.block": Role.SERGEANT, "moderation.lift_block": Role.SERGEANT,
}


def make_comment(session, post, *, state: CommentState = CommentState.HELD, body: str = "",
                 author_name: str = "Pat Visitor", author_email: str = "pat@example.org",
                 client_addr: str = "203.0.113.7", **fields) -> Comment:
    """A stored comment on ``post`` (built directly: no screening, archive or audit rows)."""
    fields.setdefault("terms_version", 1)
    comment = Comment(post_id=post.id, district_id=post.district_id, author_name=author_name,
                      author_email=author_email, body=body or f"A comment on post {post.id}.",
                      client_addr=client_addr, state=state, **fields)
    if state in (CommentState.REMOVED, CommentState.HIDDEN):
        comment.clause_number = comment.clause_number or "1"
        comment.clause_title = comment.clause_title or "Obscenity"
        comment.handled_at = comment.handled_at or clock.utcnow()
    session.add(comment)
    session.commit()
    return comment


def objects(factory, base: dict) -> dict:
    """A published post of district A with a held comment, a block set from it, a keyword."""
    session = factory.session
    terms.current_terms(session)  # installs the default terms if a test emptied the table
    session.commit()
    post = factory.post(base["district"], state=PostState.PUBLISHED)
    comment = make_comment(session, post)
    moderator = factory.user(Role.SERGEANT, base["district"])
    block = CommenterBlock(email="blocked@example.org", reason="Threats.", comment_id=comment.id,
                           district_id=post.district_id, created_by_id=moderator.id)
    keyword = ScreeningKeyword(phrase="free tickets", action=KeywordAction.HOLD,
                               created_by_id=factory.user(Role.ADMIN).id)
    session.add_all([block, keyword])
    session.commit()
    return {"comment_post": post, "comment": comment, "comment_block": block,
            "comment_keyword": keyword}
