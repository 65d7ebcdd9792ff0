"""Authorization expectations: check waivers (see tests/routes/__init__.py).

The post is a draft of district A with an unattested image, a sponsor, an employee's home
area and a News Affairs exception in force for one of its words. Forms sent empty are
refused with a 400 for the roles that may send them; object-level
refusals (another district's commander, the post's author approving) are in
tests/test_check_waivers_workflow.py."""
from beatdesk import clock, posts
from beatdesk.models import MediaAsset, PostState, RevisionImage
from beatdesk.models.check_waivers import CheckWaiver, WaiverAction
from beatdesk.roles import Role

EVERYONE = frozenset(Role)
NEWS = frozenset({Role.NEWS_AFFAIRS})
P = "/console/posts/{waiver_post}/permissions"

STAFF_ROUTES: dict = {
    ("check_waivers.manage", "GET"): (P, EVERYONE, 200),
    ("check_waivers.exception", "POST"): (P + "/exception", NEWS, 400),
    # Only the author side asks; representatives in the matrix are not designated.
    ("check_waivers.request_exception", "POST"): (P + "/request", frozenset({Role.SERGEANT}), 400),
    ("check_waivers.consent", "POST"):
        (P + "/consent", frozenset({Role.SERGEANT, Role.COMMANDER, Role.NEWS_AFFAIRS}), 400),
    ("check_waivers.own_consent", "POST"): (P + "/own-consent", EVERYONE, 400),
    ("check_waivers.image", "GET"):
        (P + "/images/{waiver_asset}", frozenset({Role.COMMANDER, Role.NEWS_AFFAIRS, Role.ADMIN}),
         200),
    ("check_waivers.image", "POST"):
        (P + "/images/{waiver_asset}", frozenset({Role.COMMANDER, Role.NEWS_AFFAIRS, Role.ADMIN}),
         400),
    # The exception in force is News Affairs': only they revoke it.
    ("check_waivers.revoke", "POST"): (P + "/{waiver}/revoke", NEWS, 400),
    ("check_waivers.requests", "GET"): ("/console/posts/exception-requests", NEWS, 200),
}
PUBLIC_ROUTES: dict = {}
SIGNED_IN_AS: dict = {
    "check_waivers.exception": Role.NEWS_AFFAIRS,
    "check_waivers.request_exception": Role.SERGEANT,
    "check_waivers.consent": Role.SERGEANT,
    "check_waivers.own_consent": Role.SERGEANT,
    "check_waivers.image": Role.COMMANDER,
    "check_waivers.revoke": Role.NEWS_AFFAIRS,
}


def objects(factory, base: dict) -> dict:
    district = base["district"]
    session = factory.session
    post = factory.post(district, state=PostState.DRAFT,
                        body="Charity run Saturday: use code RUN10. Thanks to our sponsor Joe's "
                             "Diner! Officer Dana Reyes, who lives in Beverly, runs too.")
    asset = MediaAsset(district_id=district.id, storage_key="1" * 64 + ".png", mime="image/png",
                       width=1, height=1, size_bytes=1, sha256="1" * 64,
                       original_name="wanted.png", uploaded_by_id=post.author_id)
    session.add(asset)
    session.flush()
    session.add(RevisionImage(revision_id=post.current_revision_id, asset_id=asset.id,
                              position=1, alt_text="A man in a red cap", credit="Police",
                              attested=False))
    news = factory.user(Role.NEWS_AFFAIRS)
    waiver = CheckWaiver(post_id=post.id, kind="news_affairs", action=WaiverAction.GRANTED,
                         rule="advertising", quote="use code", reason="Charity run sponsor.",
                         recorded_by_id=news.id, recorded_at=clock.utcnow())
    session.add(waiver)
    session.flush()
    # The findings as the checks give them: one allowed, others waiting for a permission
    # (so every form of the permissions pages is shown).
    revision = post.current_revision
    session.refresh(revision, ["images"])
    revision.findings = posts._findings(session, district, revision)
    session.commit()
    return {"waiver_post": post, "waiver_asset": asset, "waiver": waiver}
