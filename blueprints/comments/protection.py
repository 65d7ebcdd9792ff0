"""Protection of the visitor comment form against forged submissions, without a session.

A post page must be the same for every anonymous reader, so that any cache (the browser's, a
reverse proxy, a CDN, this application's own page cache) may keep it: it sets no cookie and
carries nothing personal. Flask-WTF's CSRF token lives in the session, which is why the form
used to start a session (and a cookie) for every reader. The comment form therefore uses two
checks that need no server state; Flask-WTF's ``CSRFProtect`` keeps protecting every other form
(the staff console), whose pages are private anyway.

1. **Same origin** (what actually stops cross-site request forgery here). A browser says where a
   submission comes from: ``Sec-Fetch-Site`` (every current browser) and ``Origin`` (sent with
   every cross-origin POST, and by current browsers with same-origin POSTs too). A submission
   that a browser marks as coming from another site, or from another origin, is refused with
   403. When a request carries neither header (an old browser, or a non-browser client), the
   ``Referer``, if any, must name this site. The browser computes these headers; a page on
   another site cannot set or forge them, which is exactly the attack CSRF is about. Since the
   visitor is anonymous there is no ambient authority to steal: the remaining risk is a
   third-party page posting comments in a visitor's name and from the visitor's address
   (rate limits and blocks apply per address), and this check closes it.
2. **A signed, time-limited token bound to the post** (``csrf_token``, the field name the form
   always had). It is an HMAC (itsdangerous, keyed with ``SECRET_KEY``) of the post's id and the
   hour it was issued in, so it is identical for every reader of a cached page within the hour
   and different for every post. It is accepted for ``COMMENT_FORM_MAX_AGE_HOURS`` (24 by
   default). It is not a secret per visitor (anyone can read it from the public page), so it is
   not what stops forgery; it proves the submission was made from a form this site issued for
   this post recently, stops blind scripted posting to any post id, and lets a stale page tell
   its reader to send again instead of failing silently.

Both checks apply when ``WTF_CSRF_ENABLED`` is on (the default; test configurations turn it
off, as for every other form). A refused submission shows the page again with the text kept.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Request, current_app
from itsdangerous import BadData, URLSafeSerializer

from beatdesk import clock

SALT = "beatdesk.comment-form"
WINDOW_SECONDS = 3600  # a token is issued per post and per hour: the same for every reader
DEFAULT_MAX_AGE_HOURS = 24

MISSING = ("The form was sent without its security token. Your comment was not sent: check it "
           "below and send it again.")
EXPIRED = ("The form expired or was sent with a security token this site did not issue for this "
           "post. Your comment was not sent: check it below and send it again.")
CROSS_SITE = ("This comment was sent from another website, so it was refused. Your comment was "
              "not sent: if you wrote it, check it below and send it from this page.")


def enabled() -> bool:
    return bool(current_app.config.get("WTF_CSRF_ENABLED", True))


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def _hour(now: float | None = None) -> int:
    return int((clock.utcnow().timestamp() if now is None else now) // WINDOW_SECONDS)


def _max_age_windows() -> int:
    hours = current_app.config.get("COMMENT_FORM_MAX_AGE_HOURS", DEFAULT_MAX_AGE_HOURS)
    return max(1, int(hours)) * 3600 // WINDOW_SECONDS


def issue(post_id: int) -> str:
    """The form token for ``post_id``, the same for every reader during the current hour."""
    return _serializer().dumps([int(post_id), _hour()])


def token_problem(token: str | None, post_id: int) -> str | None:
    """Why ``token`` is not acceptable for a comment on ``post_id``, or None if it is."""
    if not token:
        return MISSING
    try:
        payload = _serializer().loads(token)
    except BadData:
        return EXPIRED
    if not (isinstance(payload, list) and len(payload) == 2
            and all(isinstance(v, int) and not isinstance(v, bool) for v in payload)):
        return EXPIRED
    token_post, issued = payload
    now = _hour()
    if token_post != post_id or issued > now or now - issued > _max_age_windows():
        return EXPIRED
    return None


def _origin_of(url: str) -> str | None:
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}".lower()


def _own_origins(request: Request) -> set[str]:
    origins = {request.host_url.rstrip("/").lower()}
    base = current_app.config.get("PUBLIC_BASE_URL")
    if base:
        own = _origin_of(str(base))
        if own:
            origins.add(own)
    return origins


def same_origin(request: Request) -> bool:
    """Whether the browser says the submission comes from this site (see the module docstring)."""
    fetch_site = request.headers.get("Sec-Fetch-Site", "").strip().lower()
    if fetch_site:
        return fetch_site in ("same-origin", "none")
    origin = request.headers.get("Origin")
    if origin is not None:
        return origin.strip().lower() in _own_origins(request)
    referer = request.headers.get("Referer")
    if referer:
        return _origin_of(referer) in _own_origins(request)
    return True
