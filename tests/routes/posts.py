"""Authorization expectations for posts, their queues and media inquiries.

Representatives in the route matrix are not designated, so they may not write: only a district's
designated representatives and its sergeant do (tests/test_posts_workflow.py covers designated
representatives). The post below is published in district A.
"""
from beatdesk.models import MediaAsset, MediaInquiry, PostState
from beatdesk.roles import Role

EVERYONE = frozenset(Role)
SERGEANT = frozenset({Role.SERGEANT})
NEWS = frozenset({Role.NEWS_AFFAIRS})
INQUIRY_READERS = frozenset({Role.NEWS_AFFAIRS, Role.ADMIN, Role.RECORDS})
P = "/console/posts"

STAFF_ROUTES = {
    ("posts.index", "GET"): (f"{P}/", EVERYONE, 200),
    ("posts.new", "GET"): (f"{P}/new", SERGEANT, 200),
    ("posts.new", "POST"): (f"{P}/new", SERGEANT, 400),
    ("posts.detail", "GET"): (f"{P}/{{post}}", EVERYONE, 200),
    ("posts.edit", "GET"): (f"{P}/{{post}}/edit", SERGEANT, 200),
    ("posts.edit", "POST"): (f"{P}/{{post}}/edit", SERGEANT, 400),
    ("posts.acknowledge", "POST"): (f"{P}/{{post}}/acknowledge", SERGEANT, 400),
    # Submitting a published post is a state conflict for its sergeant, refused for others.
    ("posts.act", "POST"): (f"{P}/{{post}}/actions/submit", SERGEANT, 409),
    ("posts.discontinue", "POST"): (f"{P}/{{post}}/discontinue",
                                    frozenset({Role.SERGEANT, Role.NEWS_AFFAIRS}), 400),
    ("posts.schedule", "POST"): (f"{P}/{{post}}/schedule", SERGEANT, 400),
    ("posts.history", "GET"): (f"{P}/{{post}}/history", EVERYONE, 200),
    ("posts.revision", "GET"): (f"{P}/{{post}}/revisions/1", EVERYONE, 200),
    ("posts.diff", "GET"): (f"{P}/{{post}}/diff", EVERYONE, 200),
    ("posts.news_affairs_queue", "GET"): (f"{P}/news-affairs", NEWS, 200),
    ("posts.sergeant_queue", "GET"): (f"{P}/sergeant", SERGEANT, 200),
    ("posts.mark_reviewed", "POST"): (f"{P}/review", SERGEANT, 400),
    ("posts.mark_texts_reviewed", "POST"): (f"{P}/review/texts", SERGEANT, 400),
    ("posts.attention", "GET"): (f"{P}/attention", EVERYONE, 200),
    ("posts.count", "POST"): (f"{P}/count", EVERYONE, 400),
    # The asset row exists but its file does not: allowed roles get 404, others 403.
    ("posts.image", "GET"): (f"{P}/images/{{asset}}", EVERYONE, 404),
    ("inquiries.index", "GET"): ("/console/inquiries/", EVERYONE, 200),
    ("inquiries.new", "GET"): ("/console/inquiries/new", EVERYONE, 200),
    ("inquiries.new", "POST"): ("/console/inquiries/new", EVERYONE, 400),
    ("inquiries.detail", "GET"): ("/console/inquiries/{inquiry}", INQUIRY_READERS, 200),
    ("inquiries.respond", "POST"): ("/console/inquiries/{inquiry}/respond", NEWS, 400),
}

PUBLIC_ROUTES = {
    # Not part of a public post: not found.
    ("media.image", "GET"): ("/media/{asset}", 404),
}
SIGNED_IN_AS: dict = {}


def objects(factory, base: dict) -> dict:
    district = base["district"]
    post = factory.post(district, state=PostState.PUBLISHED, body="Coffee with a cop Saturday.")
    session = factory.session
    asset = MediaAsset(district_id=district.id, storage_key="0" * 64 + ".png", mime="image/png",
                       width=1, height=1, size_bytes=1, sha256="0" * 64,
                       uploaded_by_id=post.author_id)
    inquiry = MediaInquiry(district_id=district.id, post_id=post.id, outlet="Daily News",
                           reporter="A. Reporter", contact="desk@news.example",
                           question="Who organised it?", logged_by_id=post.author_id)
    session.add_all([asset, inquiry])
    session.commit()
    return {"post": post, "asset": asset, "inquiry": inquiry}
