from blueprints.forms import BaseForm
from wtforms import BooleanField, EmailField, HiddenField, StringField, TextAreaField
from wtforms.validators import InputRequired, Optional

from beatdesk.comments import BODY_MAX, EMAIL_MAX, NAME_MAX


class CommentForm(BaseForm):
    """A visitor's comment. Sizes and the Terms box are checked by the domain, which keeps one
    set of messages; the validators here only mark fields required for the browser and readers.

    No session token: ``csrf_token`` is the post-bound signed token of ``.protection``, so the
    post page sets no cookie and any cache may keep it."""

    class Meta(BaseForm.Meta):
        csrf = False

    csrf_token = HiddenField(id="csrf_token")

    name = StringField("Your name", validators=[InputRequired(message="Enter your name.")], id="comment-name",
                       description=f"Shown with your comment. At most {NAME_MAX} characters.")
    email = EmailField("E-mail (optional)", validators=[Optional()], id="comment-email",
                       description="Never shown and never put in a feed; the department may use "
                                   f"it to contact you about your comment. At most {EMAIL_MAX} "
                                   "characters.")
    body = TextAreaField("Your comment", validators=[InputRequired(message="Write your comment.")], id="comment-body",
                         description=f"Plain text, at most {BODY_MAX:,} characters. Links are "
                                     "shown but not clickable.")
    accept_terms = BooleanField("I have read and accept the Terms of Service and Takedown Policy",
                                id="comment-accept-terms")
    terms_version = HiddenField(id="comment-terms-version")
    # A honeypot: hidden from people (CSS), filled in by form-filling robots.
    website = StringField("Leave this field empty", id="comment-website")
