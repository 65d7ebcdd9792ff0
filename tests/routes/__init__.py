"""Authorization expectations, one module per area of the product.

``tests/test_authorization.py`` and ``tests/test_csrf.py`` merge every module listed in ``AREAS``.
Each module defines:

- ``STAFF_ROUTES``: (endpoint, method) -> (path template, roles allowed, status for an allowed role)
- ``PUBLIC_ROUTES``: (endpoint, method) -> (path template, status for an anonymous visitor)
- ``objects(factory, base)``: creates the objects its path templates name and returns them as a
  dict of name -> object with an ``id``; ``base`` holds the foundation's objects (``district`` is
  district A, where every district-role user in the matrix belongs).
- ``SIGNED_IN_AS``: endpoint -> role used by the CSRF test (admin when absent).
"""
from importlib import import_module

AREAS = ("posts", "checks", "public", "comments", "archive", "requests",
         "notification_settings", "inbound", "outbox", "platform_accounts", "reading_room")
AREAS += ("records_portal",)
AREAS += ("letters",)
AREAS += ("redaction_suggestions",)
AREAS += ("records_tolling",)
AREAS += ("check_waivers",)
AREAS += ("outlets",)
AREAS += ("devices",)
AREAS += ("post_validity",)
AREAS += ("check_citations",)
_modules = [import_module(f"{__name__}.{area}") for area in AREAS]

STAFF_ROUTES = {k: v for m in _modules for k, v in m.STAFF_ROUTES.items()}
PUBLIC_ROUTES = {k: v for m in _modules for k, v in m.PUBLIC_ROUTES.items()}
SIGNED_IN_AS = {k: v for m in _modules for k, v in getattr(m, "SIGNED_IN_AS", {}).items()}


def area_objects(factory, base: dict) -> dict:
    objects = {}
    for module in _modules:
        objects.update(module.objects(factory, {**base, **objects}))
    return objects
