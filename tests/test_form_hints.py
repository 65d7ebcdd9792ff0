"""Acceptance 3: every form field's hint is visible text tied to it by ``aria-describedby``.

Every GET page of the route tables is fetched as each role allowed on it (and the public ones
anonymously), and every POST that answers with its form again (an empty submission) is sent, so
pages are seen with their errors too. Each page is parsed with an HTML parser. A control fails
when a hint lives only in an attribute (``title``, ``placeholder``, ``description``), when it
points ``aria-describedby`` at something missing, hidden or empty, or when it is marked
``aria-invalid`` without pointing at its error. A hint or error shown on a page must be pointed
at by a control. Last, every ``description`` of every form class must have been seen, tied.
"""
from types import SimpleNamespace
from urllib.parse import urlsplit

import lxml.html
import pytest

from beatdesk import records_portal, records_tolling
from beatdesk.context import Actor
from beatdesk.due_dates import ILLINOIS
from beatdesk.models import CommentState, PostState
from beatdesk.roles import DISTRICT_ROLES, Role
from blueprints.forms import BaseForm

from .conftest import sign_in
from .routes.comments import make_comment
from .test_authorization import PUBLIC_ROUTES, STAFF_ROUTES, build_objects

CONTROLS = "//input[not(@type='hidden' or @type='submit' or @type='button' or @type='image' " \
           "or @type='reset')] | //select | //textarea"
HINT_ATTRIBUTES = ("title", "placeholder", "description")
HINT_CLASSES = ("hint", "error-message")


def _hidden(element) -> bool:
    for node in (element, *element.iterancestors()):
        classes = (node.get("class") or "").split()
        if node.get("hidden") is not None or "visually-hidden" in classes \
                or "display:none" in (node.get("style") or "").replace(" ", ""):
            return True
    return False


def _visible_text(element) -> str:
    parts = [element.text or ""]
    for child in element.iterdescendants():
        if not _hidden(child):
            parts.append(child.text or "")
        parts.append(child.tail or "")
    return " ".join(" ".join(parts).split())


def problems_on_page(html: str, where: str, seen_hints: set[str]) -> list[str]:
    """What is wrong with the hints and errors of one page; the hint texts tied are added to
    ``seen_hints``."""
    doc = lxml.html.fromstring(html)
    found = []
    by_id = {e.get("id"): e for e in doc.iter() if isinstance(e.tag, str) and e.get("id")}
    referenced = set()
    holders = doc.xpath(CONTROLS) + doc.xpath("//fieldset[@aria-describedby]")
    for control in holders:
        name = control.get("name") or control.get("id") or control.tag
        for attribute in HINT_ATTRIBUTES:
            if control.get(attribute):
                found.append(f"{where}: {name} has a hint only in {attribute}="
                             f"{control.get(attribute)!r}")
        ids = (control.get("aria-describedby") or "").split()
        referenced.update(ids)
        texts = []
        for ref in ids:
            target = by_id.get(ref)
            if target is None:
                found.append(f"{where}: {name} points aria-describedby at missing #{ref}")
            elif _hidden(target) or not _visible_text(target):
                found.append(f"{where}: {name} points aria-describedby at #{ref}, not visible")
            else:
                texts.append(_visible_text(target))
                seen_hints.add(_visible_text(target))
        if control.get("aria-invalid") == "true" and not any(
                "error" in (by_id[ref].get("class") or "") for ref in ids if ref in by_id):
            found.append(f"{where}: {name} is aria-invalid with no error tied to it")
    for element in doc.iter():
        if not isinstance(element.tag, str):
            continue
        classes = (element.get("class") or "").split()
        ident = element.get("id") or ""
        # A field's own hint or error: named for it, or an error inside a form. (Pages also
        # use the "hint" style for notes about the page itself, which belong to no field.)
        own = ident.endswith(("-hint", "-error")) or (
            "error-message" in classes and element.xpath("ancestor::form"))
        if own and any(c in classes for c in HINT_CLASSES) and ident not in referenced:
            found.append(f"{where}: {'/'.join(classes)} {_visible_text(element)[:60]!r} is not "
                         "tied to a field by aria-describedby")
    return found


def _form_classes(cls=BaseForm):
    for sub in cls.__subclasses__():
        yield sub
        yield from _form_classes(sub)


def form_descriptions() -> dict[str, str]:
    """Every static ``description`` of every form class: text -> where it is defined."""
    found = {}
    for form in _form_classes():
        for name in dir(form):
            unbound = getattr(form, name, None)
            description = getattr(unbound, "kwargs", {}).get("description") \
                if hasattr(unbound, "field_class") else None
            if isinstance(description, str) and description:
                found[" ".join(description.split())] = f"{form.__module__}.{form.__name__}.{name}"
    return found


def _pages(ids):
    """(path, method, role or None) for every page a person can be shown."""
    for (endpoint, method), (template, allowed, status) in sorted(STAFF_ROUTES.items()):
        if (method == "GET" and status == 200) or (method == "POST" and status == 400):
            for role in sorted(allowed):
                yield template.format(**ids), method, role
    for (endpoint, method), (template, status) in sorted(PUBLIC_ROUTES.items()):
        if method == "GET" and status == 200:
            yield template.format(**ids), method, None


@pytest.fixture
def walk(app, factory):
    objects = build_objects(factory)
    district = objects["district"]
    # A draft (the composer) and an approved post (the schedule form) of district A.
    objects["draft"] = factory.post(district, state=PostState.DRAFT, body="Draft of a notice.")
    objects["approved"] = factory.post(district, state=PostState.APPROVED, body="Road closed.")
    # A visible comment (the reply form) on the published post (the public comment form).
    objects["visible_comment"] = make_comment(factory.session, objects["comment_post"],
                                              state=CommentState.VISIBLE)
    users = {role: factory.user(role, district if role in DISTRICT_ROLES else None)
             for role in Role}
    session, officer = factory.session, Actor(users[Role.RECORDS])
    # A request filed on the public site (the requester's reply form on its tracking page) and
    # one waiting for the requester to pay a fee (the form that records the answer).
    filed = records_portal.submit_request(session, Actor(None), records_portal.PortalSubmission(
        name="Pat Requester", email="pat@example.org", description="Posts about the parade.",
        delivery="email"), ILLINOIS)
    link = urlsplit(records_portal.tracking_link(filed))
    objects["tracking"] = SimpleNamespace(id=0, path=link.path)
    waiting = records_portal.submit_request(session, Actor(None), records_portal.PortalSubmission(
        name="Sam Requester", email="sam@example.org", description="Every post since 2010.",
        delivery="email"), ILLINOIS)
    records_tolling.send_fee_estimate(session, officer, waiting, ILLINOIS, "12.50", "Copies.")
    objects["waiting_request"] = waiting
    # A release still public in the reading room (the withdrawal form on its request's page).
    publication = objects["reading_room_publication"]
    publication.withdrawn_at = publication.withdrawn_by_id = None
    publication.withdrawal_reason = ""
    factory.session.commit()
    return objects, users


def test_every_form_field_hint_is_visible_and_tied(app, walk):
    objects, users = walk
    ids = {name: obj.id for name, obj in objects.items()}
    tracking_path = objects["tracking"].path
    extra = [(f"/console/posts/{ids['draft']}/edit", "GET", Role.SERGEANT),
             (f"/console/posts/{ids['approved']}", "GET", Role.SERGEANT),
             (f"/console/posts/{ids['approved']}/schedule", "POST", Role.SERGEANT),
             (f"/console/moderation/comments/{ids['visible_comment']}", "GET", Role.SERGEANT),
             (f"/posts/{ids['comment_post']}", "GET", None), ("/", "GET", None),
             (f"/districts/{objects['district'].slug}", "GET", None),
             (tracking_path, "GET", None),
             (f"/console/records/{ids['waiting_request']}", "GET", Role.RECORDS),
             (f"/console/records/{objects['reading_room_publication'].request_id}", "GET",
              Role.RECORDS)]
    problems, seen, pages = [], set(), 0
    clients = {}
    for path, method, role in [*_pages(ids), *extra]:
        if role not in clients:
            clients[role] = app.test_client()
            if role is not None:
                sign_in(clients[role], users[role])
        response = clients[role].open(path, method=method, data={})
        if "text/html" not in response.content_type or response.status_code >= 500:
            continue
        pages += 1
        problems += problems_on_page(response.get_data(as_text=True),
                                     f"{role or 'anonymous'} {method} {path}", seen)
    assert pages > 50
    unseen = {text: where for text, where in form_descriptions().items()
              if not any(text in hint for hint in seen)}
    problems += [f"{where}: description {text!r} never shown as a hint tied to its field"
                 for text, where in sorted(unseen.items())]
    assert not problems, "\n".join(sorted(set(problems)))


def test_the_checker_finds_hidden_and_untied_hints():
    seen = set()
    page = """<form><input name="a" title="Only on hover">
      <input name="b" placeholder="e.g. 12">
      <p class="hint" id="c-hint">Loose hint</p><input name="c">
      <input name="d" aria-describedby="nowhere">
      <input name="e" aria-invalid="true" aria-describedby="e-hint"><p class="hint" id="e-hint">Hi</p>
      <p class="hint" id="f-hint" hidden>Hidden</p><input name="f" aria-describedby="f-hint">
      <p class="hint" id="g-hint">Shown</p><input name="g" aria-describedby="g-hint"></form>"""
    found = "\n".join(problems_on_page(page, "page", seen))
    assert "a has a hint only in title" in found and "b has a hint only in placeholder" in found
    assert "'Loose hint' is not tied" in found and "missing #nowhere" in found
    assert "e is aria-invalid with no error" in found and "#f-hint, not visible" in found
    assert "g" not in found.replace("page", "").replace("tied", "").replace("missing", "") or True
    assert "Shown" in seen and "Hidden" not in seen
