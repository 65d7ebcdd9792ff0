"""The public site (no sign-in): landing, district and post pages, the terms, and the feeds.

Every page extends ``public/_layout.html``, which carries the notices DESIGN.md section 2 asks
for. Responses carry an ETag and answer a matching ``If-None-Match`` with 304.
"""
from flask import abort, current_app, make_response, render_template, request, session, url_for
from markupsafe import Markup
from flask_login import current_user
from sqlalchemy import text

from beatdesk import checkpoints, districts, feeds, post_validity, site, terms
from beatdesk.errors import NotFound
from beatdesk.publication import get_public_post

from ..database import db
from . import bp, cache

FEED_TYPES = {"atom": "application/atom+xml", "rss": "application/rss+xml"}
# Seconds a shared cache (reverse proxy, CDN) may keep an anonymous page before revalidating.
# Browsers revalidate every time (max-age=0; a matching ETag costs a 304 and no rendering), so a
# reader sees a removed comment gone as soon as the server does, not a minute later.
PUBLIC_MAX_AGE = 60
RECENT_POSTS = 10  # the landing page's latest posts, from every district

SUMMARIES_KEPT = 4096


def post_summary(post, image_route: str | None) -> Markup:
    """A post as a district page lists it (public/_post_summary.html), rendered once per post,
    revision, publication time, time zone and image route, then reused: all of these are fixed
    once a revision is published, and whether the post is still shown is decided by the query
    on every request."""
    kept = current_app.extensions.setdefault("beatdesk.post_summaries", {})
    key = (post.id, post.current_revision.id, post.published_at,
           current_app.config.get("TIMEZONE"), image_route, request.script_root,
           post.resolved_at, post.valid_until, post_validity.has_ended(post))
    html = kept.get(key)
    if html is None:
        html = Markup(current_app.jinja_env.get_template("public/_post_summary.html").render(
            post=post, image_route=image_route))
        if len(kept) >= SUMMARIES_KEPT:
            kept.clear()
        kept[key] = html
    return html


bp.add_app_template_global(post_summary, "post_summary")
bp.add_app_template_filter(site.post_body_html, "post_body")
bp.add_app_template_global(site.post_heading, "post_heading")
bp.add_app_template_global(site.handle_url, "handle_url")


@bp.after_request
def conditional_and_cacheable(response):
    """ETag and 304 on successful GETs; shared caching only for pages that are the same for all
    (and only those may be kept by the page cache in front of the app, ``cache``)."""
    if request.endpoint == "public.healthz":
        response.headers["Cache-Control"] = "no-store"
        return response
    # A signed-in header, a new cookie or a visitor's own message must not reach a shared cache.
    personal = (current_user.is_authenticated or session.modified or bool(session)
                or "comment" in request.args)
    ok = request.method in ("GET", "HEAD") and response.status_code == 200 \
        and not response.direct_passthrough
    if ok:
        if response.last_modified is None and not personal:
            response.last_modified = cache.last_modified_now()
        response.add_etag()
        response.make_conditional(request)
    if response.status_code >= 500:
        response.headers["Cache-Control"] = "no-store"
    else:
        response.headers["Cache-Control"] = (
            "private, no-cache" if personal else f"public, max-age=0, s-maxage={PUBLIC_MAX_AGE}")
        if ok and not personal and response.status_code == 200:
            cache.mark_shareable()
    response.vary.add("Cookie")
    return response


@bp.route("/")
def index():
    """The department's landing page: the latest posts of every district, its districts, its
    feeds, who maintains it and how to reach it."""
    return render_template("public/index.html", districts=site.approved_districts(db()),
                           recent=site.newest_posts(db(), None, RECENT_POSTS))


@bp.route("/healthz")
def healthz():
    """Liveness probe for the reverse proxy: the app answers and the database responds."""
    db().execute(text("SELECT 1"))
    return {"status": "ok"}


def image_route() -> str | None:
    """The endpoint serving public post images, once the posts area provides it."""
    return "media.image" if "media.image" in current_app.view_functions else None


def _page_number() -> int:
    page = request.args.get("page", 1, type=int)
    return page if page and page > 0 else 1


def _district_or_404(slug: str):
    try:
        return site.get_public_district(db(), slug)
    except NotFound:
        abort(404)


@bp.route("/districts/<slug>")
def district(slug: str):
    """An approved district's page: its purpose, contacts, handles and posts, newest first."""
    found = _district_or_404(slug)
    page = site.posts_page(db(), found.id, _page_number(), current_app.config["PAGE_SIZE"])
    if page.page > 1 and not page.items:
        abort(404)
    return render_template("public/district.html", district=found, page=page,
                           image_route=image_route())


def render_post_page(post, *, status: int = 200, comments: dict | None = None):
    """The public page of ``post`` with its comment section.

    The comments area calls this to show the page again with a refused comment form
    (``comments`` is then its own context for ``comments/_section.html``).
    """
    # Imported here: the comments blueprint imports this module to show this page again.
    from ..comments.section import comment_section

    context = comment_section(post) if comments is None else comments
    return render_template("public/post.html", post=post, revision=post.current_revision,
                           image_route=image_route(), **context), status


@bp.route("/posts/<int:post_id>")
def post(post_id: int):
    """A published post: text, category, date, district, images, then its comments."""
    from ..comments.section import comment_page_number, comment_section

    try:
        found = get_public_post(db(), post_id)
    except NotFound:
        abort(404)
    context = comment_section(found, page=comment_page_number())
    if context["comment_page"].number > 1 and not context["comment_page"].items:
        abort(404)
    return render_post_page(found, comments=context)


@bp.route("/terms")
def terms_current():
    """The current Terms of Service and Takedown Policy."""
    return _terms_page(terms.current_terms(db()))


@bp.route("/terms/<int:number>")
def terms_version(number: int):
    """Any published version of the terms, at its own lasting address."""
    try:
        version = terms.get_published(db(), number)
    except NotFound:
        abort(404)
    return _terms_page(version)


def _terms_page(version):
    versions = terms.published_versions(db())
    current_number = versions[0][0] if versions else version.number
    return render_template("public/terms.html", terms=version, versions=versions,
                           current_number=current_number)


def _image_url():
    """An asset id to its public image's absolute address (None without the image route)."""
    endpoint = image_route()
    if endpoint is None:
        return None
    prefix = url_for(endpoint, asset_id=1, _external=True)[:-1]  # built once per feed
    return lambda asset_id: f"{prefix}{asset_id}"


def _feed_response(kind: str, info: feeds.FeedInfo, district_id: int | None):
    posts = site.newest_posts(db(), district_id, current_app.config["FEED_SIZE"])
    anchor = checkpoints.latest(db())
    body = feeds.build_feed(kind, info, posts, districts.get_department(db()),
                            lambda p: url_for("public.post", post_id=p.id, _external=True),
                            checkpoint=checkpoints.document(anchor) if anchor else None,
                            checkpoint_url=url_for("checkpoints.as_json", _external=True),
                            image_url=_image_url())
    response = make_response(body)
    response.mimetype = FEED_TYPES[kind]
    response.last_modified = feeds.feed_updated(posts)
    return response


@bp.route("/feeds/department.<any(atom, rss):kind>")
def department_feed(kind: str):
    """The newest published posts of every district, as Atom or RSS."""
    department = districts.get_department(db())
    name = department.name if department else "Police department"
    info = feeds.FeedInfo(title=f"{name}: news from every district",
                          description=f"Posts published by {name} on its district pages.",
                          feed_url=url_for("public.department_feed", kind=kind, _external=True),
                          page_url=url_for("public.index", _external=True))
    return _feed_response(kind, info, None)


@bp.route("/districts/<slug>/feed.<any(atom, rss):kind>")
def district_feed(slug: str, kind: str):
    """The newest published posts of one approved district, as Atom or RSS."""
    found = _district_or_404(slug)
    info = feeds.FeedInfo(title=found.label, description=found.intro_statement or found.label,
                          feed_url=url_for("public.district_feed", slug=slug, kind=kind,
                                           _external=True),
                          page_url=url_for("public.district", slug=slug, _external=True))
    return _feed_response(kind, info, found.id)
