from blueprints.forms import BaseForm
from wtforms import StringField, TextAreaField
from wtforms.validators import InputRequired, Length

from beatdesk.terms import SOURCE_MAX, SUMMARY_MAX, TITLE_MAX


class TermsForm(BaseForm):
    title = StringField("Title", validators=[InputRequired(), Length(max=TITLE_MAX)])
    summary_of_changes = TextAreaField(
        "What changed", validators=[Length(max=SUMMARY_MAX)],
        description="Shown to visitors above the text, e.g. “Clause 6 now covers links posted "
                    "in bulk.”", render_kw={"rows": 3})
    source_markdown = TextAreaField(
        "Text (Markdown)", validators=[InputRequired(), Length(max=SOURCE_MAX)],
        description="Headings start with “## ”. The section headed “## Takedown Policy” must "
                    "hold a numbered list whose items start with the clause title in bold, "
                    "e.g. “3. **Personal attacks.** …”: moderators cite those clauses. "
                    "Raw HTML is not allowed.",
        render_kw={"rows": 30, "spellcheck": "true"})
