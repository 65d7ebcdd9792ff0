"""What every request must be before any view sees it.

- An id in an address is a whole number the database can hold: the ``int`` converter is
  bounded to a 32-bit signed integer (PostgreSQL's ``integer``, the smaller of the two
  databases' ranges), so ``/posts/99999999999999999999`` is simply not found.
- ``page`` in a query string is a whole number from 1 to ``MAX_PAGE``; anything else is a 400.
- NUL may not appear in the path, a query string or a form (PostgreSQL refuses it in text,
  and no person types it); the refusal names where it was found.
- A body is form fields: JSON only for views marked ``@takes_json``, uploaded files only for
  views marked ``@takes_files``; anything else is a 400 with a message.
"""
from flask import Flask, current_app, g, request
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter

from beatdesk.text import ForbiddenCharacter

DB_INT_MAX = 2**31 - 1
# Far past any real list, and small enough that page x page size stays a valid offset.
MAX_PAGE = 1_000_000


class DatabaseIntConverter(IntegerConverter):
    """``<int:...>`` limited to what an id column can hold; larger numbers match no route."""

    def __init__(self, map, fixed_digits=0, min=None, max=None, signed=False):
        super().__init__(map, fixed_digits, min, DB_INT_MAX if max is None else max, signed)


class InputRefused(BadRequest):
    """A 400 whose description is a message for the person."""


def refuse_input(message: str):
    """Raises InputRefused (400) with ``message``.

    Forms built afterwards in the same request (the error page's sign-out button) read
    nothing from it, so the refusal can't be raised again while the page is shown.
    """
    g.input_refused = True
    raise InputRefused(message)


def takes_json(view):
    """Mark a view that reads a JSON body (every other view refuses one)."""
    view.takes_json = True
    return view


def takes_files(view):
    """Mark a view whose form has file fields (every other view refuses uploaded files)."""
    view.takes_files = True
    return view


def page_number(raw: str | None) -> int:
    """The page a ``page`` query value asks for (1 when absent or empty).

    Raises InputRefused (400) unless it is a whole number from 1 to MAX_PAGE.
    """
    if raw is None or raw.strip() == "":
        return 1
    raw = raw.strip()
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE:
        raise InputRefused(f"“page” must be a whole number from 1 to {MAX_PAGE:,}.")
    return int(raw)


def _nul_in(where: str, value: str) -> None:
    position = value.find("\x00")
    if position >= 0:
        found = ForbiddenCharacter("\x00", position + 1)
        refuse_input(f"{where} contains {found.describe()}, which can't be used.")


def refuse_malformed_request() -> None:
    """before_request: NUL anywhere a person's input arrives, and a malformed ``page``."""
    _nul_in("The address", request.path)
    for key, value in request.args.items(multi=True):
        _nul_in("The address", key)
        _nul_in(f"The address's “{key[:40]}” value", value)
    page_number(request.args.get("page"))
    if request.method not in ("POST", "PUT", "PATCH", "DELETE"):
        return None
    view = current_app.view_functions.get(request.endpoint)
    if request.is_json and not getattr(view, "takes_json", False):
        # Flask-WTF would read a JSON body as a form's values: a list, a number or an object
        # of objects would reach fields that take text.
        refuse_input("This address takes form fields, not JSON. Fill in the form on its page "
                     "and send it again.")
    if request.files and not getattr(view, "takes_files", False):
        name = next(iter(request.files))[:40]
        refuse_input(f"A file was sent in “{name}”, which takes text. Fill in the form on its "
                     "page and send it again.")
    if not request.is_json:
        for key, value in request.form.items(multi=True):
            _nul_in("A form field's name", key)
            _nul_in(f"The form field “{key[:40]}”", value)
    return None


def register(app: Flask) -> None:
    """Install the bounded converter (before any route is added) and the request guard."""
    app.url_map.converters["int"] = DatabaseIntConverter
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_malformed_request)
