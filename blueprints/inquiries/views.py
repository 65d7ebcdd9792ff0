"""Media inquiries: anyone on staff logs one; News Affairs responds and closes it."""
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from blueprints.forms import BaseForm
from wtforms import IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from beatdesk import audit, inquiries
from beatdesk.errors import DomainError, NotFound, PermissionDenied
from beatdesk.models import InquiryState
from beatdesk.roles import Role

from ..access import actor, role_required
from ..common_forms import attach_error
from ..database import db
from . import bp


class InquiryForm(BaseForm):
    outlet = StringField("News outlet", validators=[DataRequired(), Length(max=200)])
    reporter = StringField("Reporter", validators=[DataRequired(), Length(max=200)])
    contact = StringField("Reporter's contact", validators=[DataRequired(), Length(max=300)],
                          description="Phone number or e-mail address the reporter gave.")
    post_id = IntegerField("Post number (if it is about a posting)",
                           validators=[Optional(), NumberRange(min=1)])
    question = TextAreaField("The question", validators=[DataRequired(), Length(max=5000)])


class ResponseForm(BaseForm):
    response = TextAreaField("Response given", validators=[DataRequired(), Length(max=5000)])
    version = StringField(validators=[Optional()])


def _inquiry_or_error(inquiry_id: int):
    try:
        return inquiries.get_inquiry(db(), current_user, inquiry_id)
    except NotFound:
        abort(404)
    except PermissionDenied:
        abort(403)


@bp.route("/")
@role_required()
def index():
    state = request.args.get("state", "open")
    chosen = InquiryState(state) if state in set(InquiryState) else None
    page = audit.paginate(db(), inquiries.visible_inquiries(db(), current_user, chosen),
                          request.args.get("page", 1, type=int), current_app.config["PAGE_SIZE"])
    return render_template("inquiries/index.html", page=page, state=state)


@bp.route("/new", methods=["GET", "POST"])
@role_required()
def new():
    form = InquiryForm(post_id=request.args.get("post", type=int))
    if request.method == "POST":
        if not form.validate():
            return render_template("inquiries/form.html", form=form), 400
        try:
            inquiry = inquiries.log_inquiry(db(), actor(), inquiries.InquiryData(
                outlet=form.outlet.data, reporter=form.reporter.data, contact=form.contact.data,
                question=form.question.data, post_id=form.post_id.data))
        except DomainError as exc:
            db().rollback()
            attach_error(form, exc)
            return render_template("inquiries/form.html", form=form), exc.status_code
        db().commit()
        flash("Inquiry logged and sent to News Affairs.", "success")
        return redirect(url_for("inquiries.detail", inquiry_id=inquiry.id), 303)
    return render_template("inquiries/form.html", form=form)


@bp.route("/<int:inquiry_id>")
@role_required()
def detail(inquiry_id: int):
    inquiry = _inquiry_or_error(inquiry_id)
    return render_template("inquiries/detail.html", inquiry=inquiry,
                           form=ResponseForm(version=inquiry.version))


@bp.route("/<int:inquiry_id>/respond", methods=["POST"])
@role_required(Role.NEWS_AFFAIRS)
def respond(inquiry_id: int):
    inquiry = _inquiry_or_error(inquiry_id)
    form = ResponseForm()
    if not form.validate():
        return render_template("inquiries/detail.html", inquiry=inquiry, form=form), 400
    version = int(form.version.data) if (form.version.data or "").isdigit() else None
    try:
        inquiries.respond(db(), actor(), inquiry, form.response.data, version)
    except DomainError as exc:
        db().rollback()
        attach_error(form, exc)
        return render_template("inquiries/detail.html", inquiry=_inquiry_or_error(inquiry_id),
                               form=form), exc.status_code
    db().commit()
    flash("Response recorded; the inquiry is closed.", "success")
    return redirect(url_for("inquiries.detail", inquiry_id=inquiry_id), 303)
