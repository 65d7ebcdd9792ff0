"""Form pieces every blueprint uses."""
from blueprints.forms import BaseForm
from wtforms import Form

from beatdesk.errors import DomainError


class ActionForm(BaseForm):
    """A one-button POST (approve, unlock, deactivate): only the CSRF token."""


def attach_error(form: Form, exc: DomainError) -> None:
    """Put a domain refusal next to the field it concerns, or on the form as a whole."""
    field = getattr(form, exc.field, None) if exc.field else None
    if field is not None:
        field.errors = [*field.errors, exc.message]
    else:
        form.form_errors.append(exc.message)
