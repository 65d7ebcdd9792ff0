"""Acceptance 4 of issue 12: axe-core finds no WCAG 2.1 AA violations on any page a person sees,
at desktop (1280x800) and phone (375x812) widths, and no page scrolls sideways on the phone.

Every GET endpoint of the app is in ``PAGES`` (visited with the demo department's data, as the
role that works there, or anonymously), in ``NOT_PAGES`` (what a browser does not show as a page)
or in ``CHECKED_ELSEWHERE`` (a page the demo data cannot reach, with the browser test that checks
it); ``test_every_get_endpoint_is_visited_or_excluded`` fails as soon as a new one is in none.
Besides the endpoints, ``PAGES`` has each role's dashboard, the states of a post, error pages and
forms sent back with their errors.
"""
import re
from dataclasses import dataclass, field
from typing import Callable

import pytest
from axe_playwright_python.sync_playwright import Axe
from flask import url_for
from sqlalchemy import select

from beatdesk import clock, demo, posts, reading_room, terms
from beatdesk.context import Actor
from beatdesk.models import (Comment, CommentState, District, MediaInquiry,
                             PlatformAccount, Post, PostState, User)
from beatdesk.models.archive import ArchiveRecord, DispositionRun
from beatdesk.models.reading_room import Publication, PublicationScope
from beatdesk.models.records import RecordsRequest, Release, SnapshotItem
from beatdesk.roles import Role
from blueprints.database import db

from ..conftest import Factory, _truncate_all, make_app
from .conftest import TIMEOUT_MS, password_step, serve

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 812}
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
               "resultTypes": ["violations"]}
ANONYMOUS = ""

# GET endpoints that are not pages: nothing for axe to read, or nothing a person navigates to.
NOT_PAGES = {
    "static": "stylesheets, scripts and icons",
    "public.healthz": "plain-text health check for the load balancer",
    "public.department_feed": "Atom and RSS feeds (XML for feed readers)",
    "public.district_feed": "Atom and RSS feeds (XML for feed readers)",
    "checkpoints.as_json": "the archive checkpoints as JSON, for scripts",
    "media.image": "a published image (the bytes of a JPEG or PNG)",
    "posts.image": "a post's image in the console (the bytes of a JPEG or PNG)",
    "records.download": "a release package (a ZIP download)",
    "reading_room_staff.reports_csv": "the records reports as a CSV file",
    "reading_room.download": "a file of a reading-room publication (a download)",
    "records_portal.download": "a release package through the tracking link (a ZIP download)",
    "letters.download": "a letter to a requester (a PDF download)",
}
# Pages the demo department cannot show, each checked with axe by the browser test named.
CHECKED_ELSEWHERE: dict[str, str] = {}


@dataclass
class World:
    """Ids of the seeded objects the pages' addresses need."""
    district: int = 0
    district_slug: str = ""
    unapproved_district: int = 0
    post: dict[str, int] = field(default_factory=dict)  # state -> a post in district 1 (or any)
    public_post: int = 0
    edited_post: int = 0  # a post with two revisions
    held_comment: int = 0
    inquiry: int = 0
    request_open: int = 0  # an open records request with items attached
    item: int = 0
    request_released: int = 0
    release: int = 0
    archive_record: int = 0
    disposition_run: int = 0
    user: int = 0
    platform_account: int = 0
    terms_published: int = 0
    terms_number: int = 0
    terms_draft: int = 0
    publication: int = 0  # a release published in the reading room
    suggestion: int = 0  # an accepted suggested redaction in the open request
    portal_request: int = 0  # a request filed on the public site, with a message
    portal_token: str = ""  # its tracking token
    staff_with_code: str = ""  # a non-demo login with an authenticator (the code page)
    staff_to_enrol: str = ""  # a non-demo login without one (the enrolment page)


@dataclass
class Page:
    """One page to check: the endpoint it shows, who looks at it, how to get there."""
    what: str
    login: str  # a demo login, or ANONYMOUS
    endpoint: str
    args: Callable[[World], dict] = lambda w: {}
    status: int = 200
    # Instead of opening the address: reach the page by doing something; returns the status.
    action: Callable[["Visit"], int] | None = None

    @property
    def id(self) -> str:
        return re.sub(r"[^a-z0-9]+", "-", self.what.lower()).strip("-")


@dataclass
class Visit:
    page: object  # the Playwright page, already at the endpoint's address
    server: object
    world: World
    path: str


# --- actions that reach pages an address alone does not show ------------------------------------

def submit(button: str) -> Callable[[Visit], int]:
    """Send the page's form as it stands (empty, mostly) and land on the page with its errors."""
    def _submit(v: Visit) -> int:
        v.page.goto(v.path)
        # The server's messages are the page under test, not the browser's own bubbles.
        v.page.evaluate("document.querySelectorAll('form').forEach(f => f.noValidate = true)")
        with v.page.expect_navigation() as nav:
            v.page.get_by_role("button", name=button, exact=True).first.click()
        return nav.value.status
    return _submit


def post_without_token(v: Visit) -> int:
    """A form sent without its CSRF token (an expired form): the refusal page."""
    v.page.goto(url_of(v.server, "console.dashboard"))
    with v.page.expect_navigation() as nav:
        v.page.evaluate("""path => { const f = document.createElement('form');
            f.method = 'post'; f.action = path; document.body.append(f); f.submit(); }""",
                        v.path)
    return nav.value.status


def wrong_password(v: Visit) -> int:
    v.page.context.clear_cookies()
    v.page.goto(v.path)
    v.page.get_by_label("Log-on ID", exact=True).fill("d1.rep1")
    v.page.get_by_label("Password", exact=True).fill("not-the-password")
    with v.page.expect_navigation() as nav:
        v.page.get_by_role("button", name="Continue", exact=True).click()
    return nav.value.status


def code_page(wrong: bool) -> Callable[[Visit], int]:
    def _code(v: Visit) -> int:
        v.page.context.clear_cookies()
        password_step(v.page, v.world.staff_with_code)
        if not wrong:
            return 200 if v.page.url.endswith("/login/verify") else 0
        v.page.get_by_label("6-digit code", exact=True).fill("000000")
        with v.page.expect_navigation() as nav:
            v.page.get_by_role("button", name="Sign in", exact=True).click()
        return nav.value.status
    return _code


def enrol_page(v: Visit) -> int:
    v.page.context.clear_cookies()
    password_step(v.page, v.world.staff_to_enrol)
    return 200 if v.page.url.endswith("/login/enroll") else 0


def idle_session(v: Visit) -> int:
    """A session idle for 31 minutes: the console sends its user to unlock it."""
    app = v.server.app
    with app.test_request_context():
        user = db().scalar(select(User).where(User.login_id == "d1.rep1"))
        now = clock.utcnow().timestamp()
        cookie = app.session_interface.get_signing_serializer(app).dumps(
            {"_user_id": user.get_id(), "_fresh": True, "_permanent": True, "auth_at": now - 1900,
             "last_seen": now - 1860})
    v.page.context.clear_cookies()
    v.page.context.add_cookies([{"name": app.config["SESSION_COOKIE_NAME"], "value": cookie,
                                 "url": v.server.url}])
    response = v.page.goto(url_of(v.server, "console.dashboard"))
    return response.status if "/unlock" in v.page.url else 0


def untrusted_network(v: Visit) -> int:
    """The sign-in page asked for from an address outside the trusted networks."""
    import ipaddress
    networks = v.server.app.extensions["beatdesk.trusted_networks"]
    saved = list(networks)
    networks[:] = [ipaddress.ip_network("198.51.100.0/24")]
    try:
        return v.page.goto(v.path).status
    finally:
        networks[:] = saved


def dashboard(login: str) -> Page:
    return Page(f"dashboard of {login}", login, "console.dashboard")


POST_STATES = ("draft", "awaiting_sergeant", "awaiting_news_affairs", "approved", "scheduled",
               "held", "published", "discontinued", "rejected")


def post_detail(state: str, login: str) -> Page:
    return Page(f"console post, {state}", login, "posts.detail",
                lambda w: {"post_id": w.post[state]})


PAGES = [
    # The public site, anonymously.
    Page("public front page", ANONYMOUS, "public.index"),
    Page("public district page", ANONYMOUS, "public.district", lambda w: {"slug": w.district_slug}),
    Page("public post with comments", ANONYMOUS, "public.post",
         lambda w: {"post_id": w.public_post}),
    Page("public terms", ANONYMOUS, "public.terms_current"),
    Page("public terms version", ANONYMOUS, "public.terms_version",
         lambda w: {"number": w.terms_number}),
    Page("archive checkpoints", ANONYMOUS, "checkpoints.page"),
    Page("reading room", ANONYMOUS, "reading_room.index"),
    Page("records request form", ANONYMOUS, "records_portal.new"),
    Page("records request form with errors", ANONYMOUS, "records_portal.new", status=400,
         action=submit("Send the request")),
    Page("records request tracking", ANONYMOUS, "records_portal.track",
         lambda w: {"request_id": w.portal_request, "token": w.portal_token}),
    Page("withdraw a records request", ANONYMOUS, "records_portal.withdraw",
         lambda w: {"request_id": w.portal_request, "token": w.portal_token}),
    Page("reading room publication", ANONYMOUS, "reading_room.detail",
         lambda w: {"publication_id": w.publication}),
    Page("public not found", ANONYMOUS, "public.district", lambda w: {"slug": "no-such-district"},
         status=404),
    # Signing in.
    Page("sign-in", ANONYMOUS, "auth.login"),
    Page("sign-in after a wrong password", ANONYMOUS, "auth.login", status=401,
         action=wrong_password),
    Page("code step", ANONYMOUS, "auth.verify", action=code_page(wrong=False)),
    Page("code step after a wrong code", ANONYMOUS, "auth.verify", status=401,
         action=code_page(wrong=True)),
    Page("enrolment", ANONYMOUS, "auth.enroll", action=enrol_page),
    Page("unlock an idle session", ANONYMOUS, "auth.unlock", action=idle_session),
    Page("console from an untrusted network", ANONYMOUS, "auth.login", status=403,
         action=untrusted_network),
    # Every role's start.
    *(dashboard(login) for login in ("admin", "news", "records", "d1.rep1", "d1.sergeant",
                                     "d1.commander")),
    Page("account", "d1.rep1", "console.account"),
    Page("change password", "d1.rep1", "console.change_password"),
    Page("change password with errors", "d1.rep1", "console.change_password", status=400,
         action=submit("Change password")),
    Page("notification settings", "d1.sergeant", "notification_settings.index"),
    Page("writing checks", "d1.rep1", "checks.rules"),
    # Posts.
    Page("posts list", "d1.sergeant", "posts.index"),
    Page("needs attention, representative", "d1.rep1", "posts.attention"),
    Page("needs attention, sergeant", "d1.sergeant", "posts.attention"),
    Page("needs attention, news affairs", "news", "posts.attention"),
    Page("new post", "d1.rep1", "posts.new"),
    Page("new post with errors", "d1.rep1", "posts.new", status=400, action=submit("Save draft")),
    *(post_detail(state, login) for state, login in zip(POST_STATES, (
        "d1.rep1", "d1.sergeant", "news", "d1.rep1", "d1.rep1", "d1.sergeant", "d1.commander",
        "d1.sergeant", "news"))),
    Page("edit post", "d1.rep1", "posts.edit", lambda w: {"post_id": w.edited_post}),
    Page("post history", "d1.rep1", "posts.history", lambda w: {"post_id": w.edited_post}),
    Page("post revision", "d1.rep1", "posts.revision",
         lambda w: {"post_id": w.edited_post, "number": 1}),
    Page("post changes between revisions", "d1.rep1", "posts.diff",
         lambda w: {"post_id": w.edited_post}),
    Page("news affairs queue", "news", "posts.news_affairs_queue"),
    Page("sergeant review", "d1.sergeant", "posts.sergeant_queue"),
    # Media inquiries.
    Page("media inquiries", "news", "inquiries.index"),
    Page("media inquiry", "news", "inquiries.detail", lambda w: {"inquiry_id": w.inquiry}),
    Page("new media inquiry", "d1.rep1", "inquiries.new"),
    Page("new media inquiry with errors", "d1.rep1", "inquiries.new", status=400,
         action=submit("Send to News Affairs")),
    # Comment moderation.
    Page("moderation queue", "d1.sergeant", "moderation.queue"),
    Page("comment in moderation", "d1.sergeant", "moderation.comment",
         lambda w: {"comment_id": w.held_comment}),
    Page("commenter blocks", "d1.sergeant", "moderation.blocks"),
    Page("moderation report", "d1.sergeant", "moderation.report"),
    Page("screening keywords", "admin", "moderation.keywords"),
    Page("screening keywords with errors", "admin", "moderation.keywords", status=400,
         action=submit("Add")),
    # Districts.
    Page("districts", "admin", "districts.index"),
    Page("district", "d1.commander", "districts.detail", lambda w: {"district_id": w.district}),
    Page("district awaiting approval", "admin", "districts.detail",
         lambda w: {"district_id": w.unapproved_district}),
    Page("edit district", "admin", "districts.edit", lambda w: {"district_id": w.district}),
    Page("new district", "admin", "districts.new"),
    Page("new district with errors", "admin", "districts.new", status=400,
         action=submit("Create district")),
    Page("representatives registry", "news", "districts.registry"),
    # Administration.
    Page("staff accounts", "admin", "admin.users"),
    Page("staff account", "admin", "admin.user_detail", lambda w: {"user_id": w.user}),
    Page("edit staff account", "admin", "admin.edit_user", lambda w: {"user_id": w.user}),
    Page("reset password", "admin", "admin.reset_password", lambda w: {"user_id": w.user}),
    Page("new staff account", "admin", "admin.new_user"),
    Page("new staff account with errors", "admin", "admin.new_user", status=400,
         action=submit("Create account")),
    Page("department", "admin", "admin.department"),
    Page("audit log", "admin", "admin.audit_log"),
    Page("check phrases", "admin", "checks.terms"),
    Page("check phrases with errors", "admin", "checks.terms", status=400,
         action=submit("Add phrase")),
    Page("terms versions", "admin", "terms.index"),
    Page("terms version", "admin", "terms.detail", lambda w: {"version_id": w.terms_published}),
    Page("edit terms draft", "admin", "terms.edit", lambda w: {"version_id": w.terms_draft}),
    Page("new terms", "admin", "terms.new"),
    Page("platform accounts", "admin", "platform_accounts.index"),
    Page("connect a platform account", "admin", "platform_accounts.connect",
         lambda w: {"name": "mastodon"}),
    Page("connect a platform account with errors", "admin", "platform_accounts.connect",
         lambda w: {"name": "mastodon"}, status=400, action=submit("Connect")),
    Page("replace platform credentials", "admin", "platform_accounts.credentials",
         lambda w: {"account_id": w.platform_account}),
    Page("failed sends", "admin", "outbox.dead"),
    Page("letter templates", "admin", "letters.templates"),
    Page("edit a letter template", "admin", "letters.edit_template",
         lambda w: {"kind": "acknowledgement"}),
    # Records and the archive.
    Page("records requests", "records", "records.dashboard"),
    Page("records request, open", "records", "records.detail",
         lambda w: {"request_id": w.request_open}),
    Page("records request, released", "records", "records.detail",
         lambda w: {"request_id": w.request_released}),
    Page("records item", "records", "records.item",
         lambda w: {"request_id": w.request_open, "item_id": w.item}),
    Page("records release", "records", "records.release_package",
         lambda w: {"request_id": w.request_open}),
    Page("records archive search", "records", "records.search_archive",
         lambda w: {"request_id": w.request_open}),
    Page("records reports", "records", "reading_room_staff.reports"),
    Page("suggested redactions", "records", "redaction_suggestions.review",
         lambda w: {"request_id": w.request_open}),
    Page("apply a redaction across records", "records", "redaction_suggestions.across",
         lambda w: {"request_id": w.request_open, "suggestion_id": w.suggestion}),
    Page("new records request", "records", "records.new"),
    Page("new records request with errors", "records", "records.new", status=400,
         action=submit("Log request")),
    Page("archive search", "records", "archive.search"),
    Page("archive record", "records", "archive.record",
         lambda w: {"record_id": w.archive_record}),
    Page("dispositions", "records", "archive.dispositions"),
    Page("disposition run", "records", "archive.disposition",
         lambda w: {"run_id": w.disposition_run}),
    Page("legal holds", "records", "archive.holds"),
    Page("saved searches", "records", "archive.saved_searches"),
    Page("verify the archive", "records", "archive.verify_page"),
    Page("retention schedules", "admin", "archive.schedules"),
    # Error pages in the console.
    Page("console not found", "d1.rep1", "posts.detail", lambda w: {"post_id": 999999},
         status=404),
    Page("console not allowed", "d1.rep1", "admin.users", status=403),
    Page("form sent without its token", "d1.rep1", "posts.new", status=400,
         action=post_without_token),
]
PAGES += [Page("check citations", "admin", "checks.citations"),
          Page("check citation of a rule", "admin", "checks.edit_citation",
               lambda w: {"code": "guilt"})]
PAGES += [Page("end or review date of a post", "d1.sergeant", "posts.validity",
               lambda w: {"post_id": w.post["published"]}),
          Page("end or review date with errors", "d1.sergeant", "posts.validity",
               lambda w: {"post_id": w.post["published"]}, status=400,
               action=submit("Mark still current"))]


def unregistered_browser(v: Visit) -> int:
    """The sign-in page asked for by a browser that is not registered, while they're required."""
    from beatdesk.models.devices import DeviceRequirement
    with v.server.app.app_context():
        db().merge(DeviceRequirement(id=1, required=True, changed_at=clock.utcnow()))
        db().commit()
    try:
        return v.page.goto(v.path).status
    finally:
        with v.server.app.app_context():
            db().get(DeviceRequirement, 1).required = False
            db().commit()


PAGES += [Page("registered devices", "admin", "devices.index"),
          Page("device enrolment", ANONYMOUS, "device_enrolment.enrol"),
          Page("console from an unregistered browser", ANONYMOUS, "auth.login", status=403,
               action=unregistered_browser),
          Page("duty hours of a district", "d1.commander", "duty_hours.index"),
          Page("duty hours, sergeant's releases", "d1.sergeant", "duty_hours.index"),
          Page("duty hours of a representative", "d1.commander", "duty_hours.edit",
               lambda w: {"user_id": w.user}),
          Page("release a post outside duty hours", "d1.sergeant", "duty_hours.release",
               lambda w: {"post_id": w.post["draft"]})]



def demo_permission(endpoint: str, kind: str, button: str = "") -> Callable[[Visit], int]:
    """The page of the demo's post with a recorded permission of ``kind`` (the wanted poster's
    image permission, the charity run's exception); with ``button``, its form sent empty."""
    def _go(v: Visit) -> int:
        from beatdesk.models.check_waivers import CheckWaiver
        with v.server.app.app_context():
            row = db().scalars(select(CheckWaiver).where(CheckWaiver.kind == kind)
                               .order_by(CheckWaiver.id.desc())).first()
            args = {"post_id": row.post_id}
            if endpoint == "check_waivers.image":
                args["asset_id"] = row.asset_id
        response = v.page.goto(url_of(v.server, endpoint, **args))
        if not button:
            return response.status
        v.page.evaluate("document.querySelectorAll('form').forEach(f => f.noValidate = true)")
        with v.page.expect_navigation() as nav:
            v.page.get_by_role("button", name=button, exact=True).first.click()
        return nav.value.status
    return _go


PAGES += [Page("permissions of a wanted poster", "d1.commander", "check_waivers.manage",
               lambda w: {"post_id": w.post["draft"]},
               action=demo_permission("check_waivers.manage", "image_permission")),
          Page("written permission for an image", "d1.commander", "check_waivers.image",
               lambda w: {"post_id": w.post["draft"], "asset_id": 1},
               action=demo_permission("check_waivers.image", "image_permission")),
          Page("permissions with a revocation's errors", "news", "check_waivers.manage",
               lambda w: {"post_id": w.post["draft"]}, status=400,
               action=demo_permission("check_waivers.manage", "news_affairs",
                                      "Revoke this permission")),
          Page("exception requests", "news", "check_waivers.requests")]


def demo_outlet_awaiting(v: Visit) -> int:
    """The history of the demo's district page awaiting approval (Lakeview), with the approve
    form the Chief sees."""
    from beatdesk.models import District
    from beatdesk.models.outlets import Outlet
    with v.server.app.app_context():
        outlet_id = db().scalar(select(Outlet.id).join(District).where(
            District.slug == "lakeview"))
    return v.page.goto(url_of(v.server, "outlets.detail", outlet_id=outlet_id)).status


PAGES += [Page("outlet approvals", "chief", "outlets.index"),
          Page("history of an outlet awaiting approval", "chief", "outlets.detail",
               lambda w: {"outlet_id": 1}, action=demo_outlet_awaiting),
          Page("approving authority and delegates", "admin", "outlets.authority")]


# --- the demo department, served; one signed-in browser context per role --------------------------

def _accepted_suggestion(session, request_id: int) -> int:
    """A comment with a caller's phone number attached to the open request, and the suggested
    redaction of the number accepted (the suggestions list then shows every decision)."""
    from beatdesk import archive, records, redaction_suggestions
    from beatdesk.models import RedactionSuggestion

    officer = Actor(session.scalar(select(User).where(User.login_id == "records")), "127.0.0.1")
    request = session.get(RecordsRequest, request_id)
    comment = archive.append(session, record_type="comment", object_id="demo-caller",
                             district_id=None, actor=None, actor_label="visitor", content={
                                 "body": "The lights were lovely. Call me on (773) 555-0143 "
                                         "about the volunteers.", "state": "visible"})
    records.attach_records(session, officer, request, [comment])
    pending = session.scalars(select(RedactionSuggestion).where(
        RedactionSuggestion.request_id == request_id).order_by(RedactionSuggestion.id)).all()
    accepted = redaction_suggestions.accept(session, officer, request, pending[0].id)
    session.flush()
    return accepted.id


def _seed_world(session, media_root, release_root) -> World:
    demo.seed(session, media_root=media_root, release_root=release_root)
    session.commit()
    w = World()
    first = session.scalar(select(District).where(District.number == 1))
    w.district, w.district_slug = first.id, first.slug
    w.unapproved_district = session.scalar(
        select(District.id).where(District.approved_at.is_(None)))
    for state in POST_STATES:
        w.post[state] = session.scalar(
            select(Post.id).where(Post.state == state)
            .order_by((Post.district_id != first.id), Post.id))
    w.public_post = session.scalar(
        select(Comment.post_id).join(Post, Post.id == Comment.post_id)
        .where(Comment.state == CommentState.VISIBLE, Post.state == PostState.PUBLISHED)
        .order_by(Comment.post_id))
    # A second revision of a district 1 draft, written by its author.
    draft = session.get(Post, w.post["draft"])
    author = session.get(User, draft.author_id)
    posts.edit_post(session, Actor(author, "127.0.0.1"), draft, posts.PostData(
        category=draft.category, body=draft.current_revision.body + "\n\nUpdated: the time "
                                       "changed to 7 PM."))
    w.edited_post = draft.id
    w.held_comment = session.scalar(select(Comment.id).where(
        Comment.district_id == first.id, Comment.state == CommentState.HELD).order_by(Comment.id))
    w.inquiry = session.scalar(select(MediaInquiry.id).order_by(MediaInquiry.id))
    released = session.scalar(select(Release).order_by(Release.id))
    w.request_released, w.release = released.request_id, released.id
    open_with_items = session.execute(
        select(SnapshotItem.request_id, SnapshotItem.id)
        .join(RecordsRequest, RecordsRequest.id == SnapshotItem.request_id)
        .where(RecordsRequest.id != w.request_released).order_by(SnapshotItem.id)).first()
    w.request_open, w.item = open_with_items
    w.archive_record = session.scalar(select(ArchiveRecord.id).order_by(ArchiveRecord.id))
    w.disposition_run = session.scalar(select(DispositionRun.id).order_by(DispositionRun.id))
    w.user = session.scalar(select(User.id).where(User.login_id == "d1.rep1"))
    w.platform_account = session.scalar(select(PlatformAccount.id).order_by(PlatformAccount.id))
    published = terms.current_terms(session)
    w.terms_published, w.terms_number = published.id, published.number
    admin = session.scalar(select(User).where(User.login_id == "admin"))
    draft_terms = terms.create_draft(session, Actor(admin, "127.0.0.1"), terms.TermsData(
        title=published.title, source_markdown=published.source_markdown,
        summary_of_changes="Clearer wording of the rules on links."))
    session.flush()
    w.terms_draft = draft_terms.id
    publication = session.scalar(select(Publication).where(Publication.withdrawn_at.is_(None))
                                 .order_by(Publication.id))
    if publication is None:
        officer = session.scalar(select(User).where(User.login_id == "records"))
        publication = reading_room.publish(
            session, Actor(officer, "127.0.0.1"), session.get(Release, w.release),
            subject="Bicycle thefts near the Loop, 2026", summary="Incident reports of bicycle "
            "thefts downtown, with the names of private persons redacted.",
            scope=PublicationScope.PUBLIC_PARTS, root=release_root, media_root=media_root)
        session.flush()
    w.publication = publication.id
    w.suggestion = _accepted_suggestion(session, w.request_open)
    from beatdesk import records_portal
    from beatdesk.due_dates import rules_for

    filed = records_portal.submit_request(session, Actor(None, "127.0.0.1"),
                                          records_portal.PortalSubmission(
        name="Jordan Avery", email="jordan@example.org", delivery="email",
        description="Every post and comment about the Main Street parade in November 2026."),
        rules_for(None))
    w.portal_request = filed.id
    w.portal_token = records_portal.tracking_link(filed).rsplit("/", 1)[1]
    records_portal.post_message(
        session, filed, sender="officer", body="Which district's parade do you mean?",
        actor=Actor(session.scalar(select(User).where(User.login_id == "records")), "127.0.0.1"))
    factory = Factory(session)
    w.staff_with_code = factory.user(Role.SERGEANT, first).login_id
    w.staff_to_enrol = factory.user(Role.REPRESENTATIVE, first, totp=False).login_id
    session.commit()
    missing = [name for name, value in vars(w).items() if value in (0, None, "")]
    missing += [state for state, value in w.post.items() if value is None]
    assert not missing, f"the demo department has nothing for {missing}"
    return w


@pytest.fixture(scope="module")
def demo_site(database_template, tmp_path_factory):
    root = tmp_path_factory.mktemp("every-page")
    if isinstance(database_template, str):
        _truncate_all(database_template)
        url = database_template
    else:
        import shutil
        shutil.copyfile(database_template, root / "beatdesk.db")
        url = f"sqlite:///{root / 'beatdesk.db'}"
    app = make_app(url, WTF_CSRF_ENABLED=True, SERVER_NAME=None, BEATDESK_ENV="demo",
                   MEDIA_ROOT=str(root / "media"), RELEASE_ROOT=str(root / "releases"))
    app.instance_path = str(root)
    with app.app_context():
        world = _seed_world(db(), root / "media", root / "releases")
    for server in serve(app):
        yield server, world


@pytest.fixture(scope="module")
def browser_pages(chromium, demo_site):
    """``browser_pages(login)``: a page in a context signed in as that demo login (made once)."""
    server, _ = demo_site
    pages = {}

    def _page(login: str):
        if login not in pages:
            context = chromium.new_context(base_url=server.url, viewport=DESKTOP)
            context.set_default_timeout(TIMEOUT_MS)
            context.set_default_navigation_timeout(TIMEOUT_MS)
            page = context.new_page()
            if login:
                password_step(page, login, demo.DEMO_PASSWORD)
                assert page.url.endswith("/console/"), f"{login} could not sign in"
            pages[login] = page
        return pages[login]

    yield _page
    for page in pages.values():
        page.context.close()


def url_of(server, endpoint: str, **args) -> str:
    with server.app.test_request_context():
        return url_for(endpoint, **args)


# --- the checks ---------------------------------------------------------------------------------

_axe = Axe()


def axe_findings(page, width: str) -> list[str]:
    """axe-core's WCAG 2.1 A and AA rules on the page as it stands, one line per element."""
    if not page.evaluate("typeof window.axe === 'object'"):  # injected once per document
        page.evaluate(_axe.axe_script)
    response = page.evaluate("options => axe.run(document, options)", AXE_OPTIONS)
    assert response["testEngine"]["name"] == "axe-core" and response["passes"], \
        f"axe checked nothing on {page.url}"
    return [f"{width} {v['id']} [{v['impact']}] {' '.join(map(str, node['target']))}: "
            f"{v['help']}\n      {node['html'][:200]}"
            for v in response["violations"] for node in v["nodes"]]


def sideways_scroll(page) -> list[str]:
    """What sticks out past the right edge of a phone's screen (empty when nothing does)."""
    width, inner = page.evaluate(
        "[document.scrollingElement.scrollWidth, window.innerWidth]")
    if width <= inner + 1:
        return []
    culprits = page.evaluate("""inner => {
        const past = e => e.getBoundingClientRect().left + Math.max(
            e.getBoundingClientRect().width, e.scrollWidth) > inner + 1;
        return [...document.querySelectorAll('body *')]
        .filter(e => past(e) && ![...e.children].some(past))
        .slice(0, 5).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
                         + (e.className && typeof e.className === 'string'
                            ? '.' + e.className.trim().split(/\\s+/).join('.') : ''));
        }""", inner)
    return [f"375x812 scrolls sideways: {width}px wide in a {inner}px screen; "
            f"past the edge: {', '.join(culprits)}"]


@pytest.mark.browser
@pytest.mark.parametrize("spec", PAGES, ids=[p.id for p in PAGES])
def test_page_has_no_axe_violations_at_desktop_and_phone_widths(spec: Page, demo_site,
                                                                 browser_pages):
    server, world = demo_site
    page = browser_pages(spec.login)
    page.set_viewport_size(DESKTOP)
    path = url_of(server, spec.endpoint, **spec.args(world))
    if spec.action:
        status = spec.action(Visit(page, server, world, path))
    else:
        response = page.goto(path)
        status = response.status
        assert page.url == server.url + path, f"{spec.what}: {path} went to {page.url}"
    assert status == spec.status, f"{spec.what}: {path} answered {status}, not {spec.status}"

    findings = axe_findings(page, "1280x800")
    page.set_viewport_size(PHONE)
    findings += axe_findings(page, "375x812")
    findings += sideways_scroll(page)
    if findings:
        pytest.fail(f"{spec.what} ({page.url}, as {spec.login or 'a visitor'}):\n  "
                    + "\n  ".join(findings), pytrace=False)


def test_every_get_endpoint_is_visited_or_excluded():
    """A new page must join ``PAGES`` (or, if it is not a page, ``NOT_PAGES`` with a reason)."""
    app = make_app("sqlite://")
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if "GET" in rule.methods}
    visited = {p.endpoint for p in PAGES}
    excluded = NOT_PAGES.keys() | CHECKED_ELSEWHERE.keys()
    assert not endpoints - visited - excluded, \
        "GET endpoints neither visited by this test nor excluded from it"
    assert not (visited | excluded) - endpoints, "endpoints that no longer exist"
    assert not visited & excluded, "endpoints both visited and excluded"


@pytest.mark.browser
def test_the_checks_catch_a_violation_and_a_page_wider_than_a_phone(chromium):
    """The checks above fail on what they look for (a field without a label, too-light text,
    a block wider than a phone) and pass on the same page without it."""
    page = chromium.new_page(viewport=PHONE)
    try:
        page.set_content('<html lang="en"><title>T</title><main><h1>T</h1>'
                         '<input id="q"><p style="color:#aaa">Faint</p>'
                         '<div id="wide" style="width:600px">Wide</div></main></html>')
        rules = {line.split()[1] for line in axe_findings(page, "375x812")}
        assert {"label", "color-contrast"} <= rules
        assert "div#wide" in sideways_scroll(page)[0]
        page.set_content('<html lang="en"><title>T</title><main><h1>T</h1>'
                         '<label for="q">Search</label><input id="q"><p>Plain</p>'
                         '<div style="max-width:600px">Wide</div></main></html>')
        assert axe_findings(page, "375x812") == [] and sideways_scroll(page) == []
    finally:
        page.close()
