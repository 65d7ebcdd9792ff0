"""The Mastodon connector: one department account on one Mastodon instance, through Mastodon.py.

Calls (Mastodon's client API, as pinned in ``shared/specs/mastodon.openapi.json``):

- post: every image goes to ``POST /api/v2/media`` with its alt text as ``description``; a 202
  (still processing) is followed by ``GET /api/v1/media/:id`` until it answers 200, because
  Mastodon refuses a status whose media is unprocessed. Then ``POST /api/v1/statuses`` (JSON, as
  the document specifies) with the ``media_ids`` and the header ``Idempotency-Key: <post.key>``.
  The text is sent exactly as approved; nothing is appended.
- delete: ``DELETE /api/v1/statuses/:id``; a 404 means it is already gone, which counts as deleted.
- verify: ``GET /api/v1/accounts/verify_credentials``.
- replies: ``GET /api/v1/notifications?types[]=mention&types[]=quote&min_id=<cursor>``; each
  page is the run of notifications just newer than ``min_id``, so the newest id of a page is the
  ``min_id`` of the next (what the ``Link: rel="prev"`` header says), until a page comes back
  empty. The newest id read becomes the new cursor; items come in the order Mastodon notified
  them. A status is a "quote" when it came as a quote notification (``in_reply_to`` is then the
  quoted post), a "reply" when it has ``in_reply_to_id``, otherwise a "mention". Private
  mentions and followers-only posts are skipped: they are not the department's public forum.
  (The document names the parameter ``types``; Mastodon reads the Rails form ``types[]``.)
- lookup: ``GET /api/v1/statuses/:id`` (404 or 410: deleted; ``edited_at``: edited).
- moderation: Mastodon cannot hide another account's reply (``NotSupported``); ``block`` is
  ``POST /api/v1/accounts/:id/block`` and ``report`` is ``POST /api/v1/reports``.

Finding a post whose answer was lost (``find_post``): Mastodon replays a create under the same
``Idempotency-Key`` for one hour, so ``create_post`` itself never makes a second status within
that hour. Outbox retries can come later than that (back-off, a rate limit, a worker that was
down), so ``find_post`` does not rely on the replay: it reads the account's own statuses back to
``since`` (``GET /api/v1/accounts/:id/statuses``), keeps those with the same images and alt texts,
and confirms each candidate's text with ``GET /api/v1/statuses/:id/source`` (the plain text as
written; ``content`` is rendered HTML and cannot be compared reliably), allowing only for Unicode
composition, line endings and surrounding white space.

Mastodon.py facts this module works around (see DESIGN.md, "Client facts that bite"):

- It waits inside a call until a rate limit resets unless built with ``ratelimit_method="throw"``.
- Its ``media_post`` chooses the endpoint by the instance's version: with
  ``version_check_mode="none"`` it holds none (1.0.0), looks the instance up on the first
  upload (``GET /api/v1/instance``, itself deprecated) and, when that fails, falls back silently
  to the deprecated ``POST /api/v1/media``. So media and statuses are sent through the client's
  own request method with the endpoints pinned here (``_request``), never through ``media_post``.
- ``status_post`` and ``report`` send form-encoded bodies; the document specifies JSON, which
  Mastodon accepts, so those two go as JSON.
- A lost answer or a time-out surfaces as ``MastodonNetworkError``; its 429 error carries no
  headers, so the last answer's headers are kept from the session's response hook.
"""
from __future__ import annotations

import html
import re
import time
import unicodedata
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

from mastodon import Mastodon
from mastodon.errors import (MastodonAPIError, MastodonError, MastodonIllegalArgumentError,
                             MastodonNetworkError, MastodonRatelimitError)

from .base import (AccountInfo, InboundItem, InboundPage, NotSupported, OutgoingImage,
                   OutgoingPost, PermanentError, RateLimited, Sent, TransientError)

__all__ = ["MastodonConnector", "html_to_text"]

NOTIFICATION_PAGE = 40       # Mastodon's default page; the maximum is 80
MAX_NOTIFICATION_PAGES = 10  # per poll; the cursor keeps the place for the next poll
STATUS_PAGE = 40
MAX_STATUS_PAGES = 5         # find_post reads at most this many pages of the account's statuses
MAX_SOURCE_CHECKS = 20       # and confirms at most this many candidates' text
CLOCK_SKEW = timedelta(minutes=5)
# Replies and mentions the public can see. A private mention ("direct") or a followers-only
# ("private") post addressed to the department is not part of its public forum and is not read in.
PUBLIC_VISIBILITIES = ("public", "unlisted")
# Replies and mentions arrive as "mention"; quotes of the account's posts (Mastodon 4.5) as
# "quote" (an older instance ignores a type it does not know).
NOTIFICATION_TYPES = ("mention", "quote")

HIDE_NOT_SUPPORTED = ("Mastodon has no way to hide another account's reply; block or report the "
                      "author instead")


# --- helpers -----------------------------------------------------------------------------------

def _parse_time(value: Any) -> datetime | None:
    """An aware UTC datetime from Mastodon's ISO 8601 text (or a datetime Mastodon.py made)."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        parsed = value
    else:
        try:
            parsed = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
        except ValueError:
            return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _id_key(value: str) -> tuple[int, str]:
    """Mastodon ids are decimal strings that sort by length, then text (snowflakes)."""
    return (len(value), value)


def _same_text(stored: str, sent: str) -> bool:
    """Whether the status's source is the text sent, allowing for what a server may normalise
    on the way in (Unicode composition, line endings, surrounding white space)."""
    def norm(text: str) -> str:
        return unicodedata.normalize("NFC", text.replace("\r\n", "\n")).strip()
    return norm(stored) == norm(sent)


class _TextExtractor(HTMLParser):
    """Mastodon's status HTML back to the plain text: paragraphs and line breaks kept, links'
    hidden parts kept (``<span class="invisible">https://</span>``), every other tag dropped."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.paragraphs = 0
        self.skipping = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.skipping:
            return
        if tag == "br":
            self.parts.append("\n")
        elif tag == "p":
            # Mastodon's "RE: <link>" paragraph for clients that cannot show quotes is hidden.
            if "quote-inline" in (dict(attrs).get("class") or "").split():
                self.skipping = True
                return
            if self.paragraphs:
                self.parts.append("\n\n")
            self.paragraphs += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "p" and self.skipping:
            self.skipping = False

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def html_to_text(content: str) -> str:
    """The text of a status's ``content`` HTML as a reader sees it."""
    if not content:
        return ""
    if "<" not in content:
        return html.unescape(content)
    parser = _TextExtractor()
    parser.feed(content)
    parser.close()
    return "".join(parser.parts)


def _field(obj: Any, name: str, default: Any = None) -> Any:
    if obj is None:
        return default
    try:
        value = obj[name]
    except (KeyError, TypeError, IndexError):
        value = getattr(obj, name, default)
    return default if value is None else value


# --- the connector -----------------------------------------------------------------------------

class MastodonConnector:
    """``base.Connector`` for one Mastodon account. ``credentials``: ``{"access_token": ...}``."""

    platform = "mastodon"

    def __init__(self, base_url: str, credentials: dict, account_ref: str, timeout: float = 10,
                 *, media_wait_seconds: float = 60.0, media_poll_interval: float = 1.0,
                 sleep: Callable[[float], None] = time.sleep,
                 user_agent: str = "Beatdesk"):
        token = (credentials or {}).get("access_token") or (credentials or {}).get("token") or ""
        if not str(token).strip():
            raise PermanentError("The Mastodon account has no access token; connect it again.")
        if not str(base_url or "").strip():
            raise PermanentError("The Mastodon account has no instance address.")
        self.base_url = str(base_url).rstrip("/")
        self.account_ref = str(account_ref or "")
        self.timeout = timeout
        self.media_wait_seconds = media_wait_seconds
        self.media_poll_interval = media_poll_interval
        self._sleep = sleep
        self.instance_host = urlsplit(self.base_url).hostname or ""
        self.client = Mastodon(api_base_url=self.base_url, access_token=str(token),
                               ratelimit_method="throw", version_check_mode="none",
                               request_timeout=timeout, user_agent=user_agent)
        self._last_headers: Mapping[str, str] = {}
        self.client.session.hooks.setdefault("response", []).append(self._remember)

    # The session hook: the headers of the last answer (case-insensitive, as requests keeps
    # them; proxies speaking HTTP/2 lower-case them), for the 429's reset time.
    def _remember(self, response: Any, *args: Any, **kwargs: Any) -> Any:
        self._last_headers = response.headers
        return response

    # --- one request, its errors classified ------------------------------------------------

    def _request(self, method: str, endpoint: str, params: dict | None = None, *,
                 files: dict | None = None, headers: dict | None = None, use_json: bool = False,
                 return_response: bool = False) -> Any:
        """Mastodon.py's request method with the endpoint pinned (no version guessing). It is
        the client's private ``__api_request``: the dependency is pinned below Mastodon.py 3,
        and every test of this connector goes through it."""
        call = getattr(self.client, "_Mastodon__api_request")
        return self._call(call, method, endpoint, dict(params or {}), files=files or {},
                          headers=headers or {}, use_json=use_json,
                          return_response_object=return_response)

    def _call(self, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        self._last_headers = {}
        try:
            return function(*args, **kwargs)
        except MastodonRatelimitError as err:
            raise RateLimited(f"Mastodon's rate limit was reached ({err}).",
                              self._reset_at()) from err
        except MastodonNetworkError as err:
            raise TransientError(f"No answer from the Mastodon instance: {err}") from err
        except MastodonAPIError as err:
            raise self._classify(err) from err
        except MastodonIllegalArgumentError as err:
            raise PermanentError(f"Mastodon.py refused the request: {err}") from err
        except MastodonError as err:
            raise TransientError(f"Mastodon.py failed: {err}") from err

    def _reset_at(self) -> datetime | None:
        raw = self._last_headers.get("X-RateLimit-Reset")
        if raw:
            raw = raw.strip()
            if raw.isdigit():  # some servers (GoToSocial) send epoch seconds
                return datetime.fromtimestamp(int(raw), UTC)
            parsed = _parse_time(raw)
            if parsed is not None:
                return parsed
        epoch = getattr(self.client, "ratelimit_reset", None)
        if isinstance(epoch, (int, float)) and epoch > time.time():
            return datetime.fromtimestamp(epoch, UTC)
        return None

    @staticmethod
    def _status_of(err: MastodonAPIError) -> int | None:
        args = err.args
        if len(args) >= 2 and isinstance(args[1], int):
            return args[1]
        return None

    def _classify(self, err: MastodonAPIError) -> Exception:
        status = self._status_of(err)
        args = err.args
        server_message = args[3] if len(args) >= 4 and args[3] else ""
        reason = args[2] if len(args) >= 3 and args[2] else ""
        said = str(server_message or reason or err)
        if status is None:
            # Not an HTTP error (e.g. an answer that was not JSON, as from a proxy's error page):
            # nobody can say whether it was carried out, so try again after reconciling.
            return TransientError(f"Mastodon's answer could not be read: {err}")
        if status == 429:
            return RateLimited(f"Mastodon's rate limit was reached: {said}", self._reset_at())
        if status >= 500:
            return TransientError(f"The Mastodon instance failed ({status}): {said}", status)
        if status == 401:
            return PermanentError(f"Mastodon refused the access token ({status}): {said}", status)
        return PermanentError(f"Mastodon refused the request ({status}): {said}", status)

    # --- verify ------------------------------------------------------------------------------

    def _handle(self, account: Any) -> str:
        acct = str(_field(account, "acct", "") or _field(account, "username", ""))
        if "@" not in acct:
            # A local account's acct has no domain: the profile's address has it (an instance's
            # web domain may differ from its API address), else the API address's host.
            host = urlsplit(str(_field(account, "url", "") or "")).hostname or self.instance_host
            if host:
                acct = f"{acct}@{host}"
        return "@" + acct

    def verify(self) -> AccountInfo:
        account = self._request("GET", "/api/v1/accounts/verify_credentials")
        ref = str(_field(account, "id", ""))
        if ref:
            self.account_ref = ref
        return AccountInfo(handle=self._handle(account), account_ref=ref,
                           url=str(_field(account, "url", "")),
                           display_name=str(_field(account, "display_name", "")))

    # --- post --------------------------------------------------------------------------------

    def _upload(self, image: OutgoingImage) -> str:
        files = {"file": (image.filename or "image", image.data, image.mime_type)}
        response = self._request("POST", "/api/v2/media", {"description": image.alt_text},
                                 files=files, return_response=True)
        body = self._json(response)
        media_id = str(_field(body, "id", ""))
        if not media_id:
            raise TransientError("Mastodon accepted an image but gave no id for it.")
        if response.status_code == 200 and _field(body, "url"):
            return media_id
        waited = 0.0
        while True:
            polled = self._request("GET", f"/api/v1/media/{media_id}", return_response=True)
            if polled.status_code == 200:
                return media_id
            if waited >= self.media_wait_seconds:
                raise TransientError(
                    f"Mastodon was still processing image {media_id} after "
                    f"{self.media_wait_seconds:g} seconds.")
            self._sleep(self.media_poll_interval)
            waited += self.media_poll_interval

    @staticmethod
    def _json(response: Any) -> Any:
        try:
            return response.json()
        except ValueError as err:
            raise TransientError(
                f"Mastodon's answer ({response.status_code}) was not JSON.") from err

    def _sent(self, status: Any) -> Sent:
        status_id = str(_field(status, "id", ""))
        if not status_id:
            raise TransientError("Mastodon accepted the post but its answer has no status id.")
        url = str(_field(status, "url", "") or _field(status, "uri", ""))
        return Sent(platform_id=status_id, url=url,
                    sent_at=_parse_time(_field(status, "created_at")))

    def create_post(self, post: OutgoingPost) -> Sent:
        if len(post.images) > 4:
            raise PermanentError("Mastodon takes at most four images in a post.")
        if not post.key:
            raise PermanentError("A post to Mastodon needs its idempotency key.")
        media_ids = [self._upload(image) for image in post.images]
        body: dict[str, Any] = {"status": post.text, "visibility": "public"}
        if media_ids:
            body["media_ids"] = media_ids
        status = self._request("POST", "/api/v1/statuses", body, use_json=True,
                               headers={"Idempotency-Key": post.key})
        return self._sent(status)

    def find_post(self, post: OutgoingPost, since: datetime | None) -> Sent | None:
        if not self.account_ref:
            self.verify()
        if since is not None and since.tzinfo is None:
            since = since.replace(tzinfo=UTC)
        floor = (since - CLOCK_SKEW) if since is not None else None
        descriptions = [image.alt_text for image in post.images]
        candidates: list[Any] = []
        max_id: str | None = None
        for _ in range(MAX_STATUS_PAGES):
            params: dict[str, Any] = {"limit": STATUS_PAGE, "exclude_reblogs": "true"}
            if max_id:
                params["max_id"] = max_id
            page = self._request("GET", f"/api/v1/accounts/{self.account_ref}/statuses", params)
            if not page:
                break
            reached_floor = False
            for status in page:
                created = _parse_time(_field(status, "created_at"))
                if floor is not None and created is not None and created < floor:
                    reached_floor = True
                    continue
                attached = [_field(m, "description", "") for m in
                            (_field(status, "media_attachments", []) or [])]
                if attached == descriptions:
                    candidates.append(status)
            max_id = min((str(_field(s, "id")) for s in page), key=_id_key)
            if reached_floor or floor is None or len(page) < STATUS_PAGE:
                break
        # The closest rendering first, then confirm the exact text from the status's source.
        wanted = " ".join(post.text.split())
        candidates.sort(key=lambda s: " ".join(html_to_text(_field(s, "content", "")).split())
                        != wanted)
        for status in candidates[:MAX_SOURCE_CHECKS]:
            status_id = str(_field(status, "id"))
            try:
                source = self._request("GET", f"/api/v1/statuses/{status_id}/source")
            except PermanentError as err:
                if err.status in (404, 410):
                    continue
                raise
            if _same_text(str(_field(source, "text", "")), post.text):
                return self._sent(status)
        return None

    # --- delete ------------------------------------------------------------------------------

    def delete_post(self, platform_id: str) -> None:
        try:
            self._request("DELETE", f"/api/v1/statuses/{platform_id}")
        except PermanentError as err:
            if err.status in (404, 410):
                return
            raise

    # --- replies -----------------------------------------------------------------------------

    @staticmethod
    def _quoted_id(status: Any) -> str | None:
        quote = _field(status, "quote")
        if not quote:
            return None
        quoted = _field(quote, "quoted_status_id") or _field(_field(quote, "quoted_status"), "id")
        return str(quoted) if quoted else None

    def _item(self, status: Any, kind: str | None = None) -> InboundItem:
        account = _field(status, "account", {})
        in_reply_to = _field(status, "in_reply_to_id")
        if kind == "quote":
            in_reply_to = self._quoted_id(status) or in_reply_to
        return InboundItem(
            platform_id=str(_field(status, "id", "")),
            kind=kind or ("reply" if in_reply_to else "mention"),
            author_handle=self._handle(account),
            author_ref=str(_field(account, "id", "")),
            author_name=str(_field(account, "display_name", "") or _field(account, "username", "")),
            text=html_to_text(str(_field(status, "content", ""))),
            url=str(_field(status, "url", "") or _field(status, "uri", "")),
            created_at=_parse_time(_field(status, "created_at")) or datetime.now(UTC),
            in_reply_to=str(in_reply_to) if in_reply_to else None,
            edited_at=_parse_time(_field(status, "edited_at")),
        )

    def _notifications(self, params: dict) -> list:
        base = {"types[]": list(NOTIFICATION_TYPES), "limit": NOTIFICATION_PAGE}
        base.update(params)
        return list(self._request("GET", "/api/v1/notifications", base) or [])

    def fetch_replies(self, cursor: str) -> InboundPage:
        cursor = (cursor or "").strip()
        if not cursor:
            # "From now on": remember the newest notification, bring nothing older in. With no
            # notification at all, "0" reads everything that arrives from here on.
            newest = self._notifications({"limit": 1})
            ids = [str(_field(n, "id")) for n in newest if _field(n, "id") is not None]
            return InboundPage(items=[], cursor=max(ids, key=_id_key) if ids else "0")
        items: dict[str, InboundItem] = {}
        for _ in range(MAX_NOTIFICATION_PAGES):
            page = self._notifications({"min_id": cursor})
            if not page:
                break
            for notification in sorted(page, key=lambda n: _id_key(str(_field(n, "id")))):
                status = _field(notification, "status")
                kind = _field(notification, "type")
                if kind not in NOTIFICATION_TYPES or status is None:
                    continue
                if _field(status, "visibility", "public") not in PUBLIC_VISIBILITIES:
                    continue  # a private mention or a followers-only post: not the public forum
                item = self._item(status, "quote" if kind == "quote" else None)
                earlier = items.get(item.platform_id)
                if earlier is None or (item.kind == "quote" and earlier.kind != "quote"):
                    items[item.platform_id] = item  # a quote that also mentions us is a quote
            newest = max((str(_field(n, "id")) for n in page), key=_id_key)
            if _id_key(newest) <= _id_key(cursor):
                break  # a server that ignores min_id must not keep us here
            cursor = newest
        # In the order Mastodon notified them (remote posts' own times can arrive out of order).
        return InboundPage(items=list(items.values()), cursor=cursor)

    def lookup(self, platform_ids: list[str]) -> list[InboundItem]:
        found: list[InboundItem] = []
        for platform_id in platform_ids:
            try:
                status = self._request("GET", f"/api/v1/statuses/{platform_id}")
            except PermanentError as err:
                if err.status in (404, 410):
                    found.append(InboundItem(
                        platform_id=str(platform_id), kind="reply", author_handle="",
                        author_ref="", author_name="", text="", url="",
                        created_at=datetime.now(UTC), deleted=True))
                    continue
                raise
            found.append(self._item(status))
        return found

    # --- moderation --------------------------------------------------------------------------

    def hide_reply(self, platform_id: str, root: str | None, hidden: bool = True) -> None:
        raise NotSupported(HIDE_NOT_SUPPORTED)

    def block(self, author_ref: str) -> None:
        if not str(author_ref or "").strip():
            raise PermanentError("The reply's author has no Mastodon account id to block.")
        self._request("POST", f"/api/v1/accounts/{author_ref}/block")

    def report(self, author_ref: str, platform_ids: list[str], comment: str) -> None:
        if not str(author_ref or "").strip():
            raise PermanentError("The reply's author has no Mastodon account id to report.")
        body: dict[str, Any] = {"account_id": str(author_ref), "comment": comment or "",
                                "category": "other"}
        if platform_ids:
            body["status_ids"] = [str(p) for p in platform_ids]
        self._request("POST", "/api/v1/reports", body, use_json=True)
