"""The composer, a post's page and history, the review queues and the workflow actions."""
from contextlib import ExitStack
from pathlib import Path

from flask import (abort, current_app, flash, jsonify, redirect, render_template, request,
                   send_file, url_for)
from flask_login import current_user

from beatdesk import (audit, clock, counting, duty_hours, media, notifications, post_validity,
                      posts, published_texts)
from beatdesk.errors import DomainError, NotFound, PermissionDenied
from beatdesk.models import TIME_SENSITIVE, Category, District, MediaAsset, Post, PostState
from beatdesk.permissions import can_view_district
from beatdesk.roles import Role
from beatdesk.text import TextRefused, normalise
from beatdesk.workflow import Action
from beatdesk.wording import in_sentence

from ..access import actor, require, role_required
from ..common_forms import ActionForm, attach_error
from ..database import db
from ..input_guards import takes_files, takes_json
from . import bp
from .forms import AcknowledgeForm, ComposerForm, FilterForm, NoteForm, ScheduleForm


def local_wall_time(value):
    """A stored instant as the wall-clock time a department date field shows."""
    return clock.local(value, clock.department_zone()).replace(
        tzinfo=None, second=0, microsecond=0) if value else None

WRITERS = (Role.REPRESENTATIVE, Role.SERGEANT)
ACTORS = (Role.REPRESENTATIVE, Role.SERGEANT, Role.NEWS_AFFAIRS)
# Actions taken with one button (and an optional note) on the post's page.
BUTTON_ACTIONS = {
    "submit": (posts.submit, False), "request_sergeant_review": (posts.request_sergeant_review,
                                                                 False),
    "sergeant_clear": (posts.sergeant_clear, True), "sergeant_return": (posts.sergeant_return,
                                                                        True),
    "approve": (posts.approve, True), "return": (posts.return_post, True),
    "reject": (posts.reject, True), "publish": (posts.publish, False),
    "unschedule": (posts.unschedule, False),
}


def _post_or_404(post_id: int) -> Post:
    try:
        return posts.get_post(db(), current_user, post_id)
    except NotFound:
        abort(404)
    except PermissionDenied:
        abort(403)


def _post_to_act_on(post_id: int) -> Post:
    """The post, if the user takes part in its workflow at all (403 before any validation)."""
    post = _post_or_404(post_id)
    require(posts.is_party(db(), current_user, post))
    return post


def _version(form) -> int | None:
    try:
        return int(form.version.data) if form.version.data else None
    except (TypeError, ValueError):
        return None


def _store() -> media.MediaStore:
    return media.MediaStore(Path(current_app.config["MEDIA_ROOT"]))


def _post_data(form: ComposerForm, new_images: list[posts.NewImage]) -> posts.PostData:
    return posts.PostData(
        category=Category(form.category.data), body=form.body.data or "",
        notable_marked=bool(form.notable.data),
        images=[posts.ImageEdit(asset_id=int(entry.asset_id.data), alt_text=entry.alt_text.data or "",
                                credit=entry.credit.data or "", attested=bool(entry.attested.data),
                                remove=bool(entry.remove.data))
                for entry in form.images if (entry.asset_id.data or "").isdigit()],
        new_images=new_images, valid_until=form.valid_until.instant)


def _processed_upload(form: ComposerForm) -> media.ProcessedImage | None:
    upload = form.image.data
    if not upload or not getattr(upload, "filename", ""):
        return None
    return media.process_image(upload.stream, upload.filename,
                               max_bytes=current_app.config["MAX_IMAGE_BYTES"])


def _save_composer(form: ComposerForm, save) -> Post:
    """Verify the upload, store it only for as long as the transaction succeeds, run ``save``."""
    processed = _processed_upload(form)
    with ExitStack() as stack:
        new_images = []
        if processed is not None:
            key = stack.enter_context(media.staged(_store(), processed))
            new_images.append(posts.NewImage(
                image=processed, storage_key=key, alt_text=form.image_alt.data or "",
                credit=form.image_credit.data or "", attested=bool(form.image_attested.data)))
        post = save(_post_data(form, new_images))
        db().commit()
    return post


def _composer(form: ComposerForm, post: Post | None, status: int = 200):
    return render_template("posts/composer.html", form=form, post=post,
                           counts=counting.count_all(form.body.data or "")), status


def _composer_refused(form: ComposerForm, post: Post | None, exc: DomainError):
    """Nothing of the refused save is kept; the author sees why, next to what they wrote."""
    db().rollback()
    if exc.status_code == 403 and not isinstance(exc, duty_hours.OutsideDutyHours):
        raise exc
    attach_error(form, exc)
    return _composer(form, post, exc.status_code)


def _refused(post_id: int, exc: DomainError, **forms):
    """A refused workflow step: the post's page again, with the reason and the status."""
    db().rollback()
    if exc.status_code == 403 and not isinstance(exc, duty_hours.OutsideDutyHours):
        raise exc
    return _render_detail(_post_or_404(post_id), exc.status_code, exc.message, **forms)


@bp.route("/")
@role_required()
def index():
    """Posts the user may see, newest first."""
    filters = FilterForm(request.args)
    state = PostState(filters.state.data) if filters.validate() and filters.state.data else None
    query = posts.district_posts(db(), current_user, state=state)
    page = audit.paginate(db(), query, request.args.get("page", 1, type=int),
                          current_app.config["PAGE_SIZE"])
    district = current_user.district
    can_write = district is not None and posts.can_write_for(db(), current_user, district)
    return render_template("posts/index.html", page=page, filters=filters, can_write=can_write)


@bp.route("/new", methods=["GET", "POST"])
@role_required(*WRITERS)
@takes_files
def new():
    district = current_user.district
    require(posts.can_write_for(db(), current_user, district))
    form = ComposerForm()
    if request.method == "GET":
        return _composer(form, None)
    if not form.validate():
        return _composer(form, None, 400)
    try:
        post = _save_composer(form, lambda data: posts.create_post(db(), actor(), district, data))
    except DomainError as exc:
        return _composer_refused(form, None, exc)
    flash("Draft saved. Review the checks below, then submit it.", "success")
    return redirect(url_for("posts.detail", post_id=post.id), 303)


@bp.route("/<int:post_id>/edit", methods=["GET", "POST"])
@role_required(*WRITERS)
@takes_files
def edit(post_id: int):
    post = _post_or_404(post_id)
    require(Action.EDIT in posts.allowed_actions(db(), current_user, post))
    revision = post.current_revision
    if request.method == "GET":
        form = ComposerForm(category=str(revision.category), body=revision.body,
                            notable=revision.notable_marked, version=post.version,
                            valid_until=local_wall_time(post.valid_until),
                            images=[{"asset_id": i.asset_id, "alt_text": i.alt_text,
                                     "credit": i.credit, "attested": i.attested}
                                    for i in revision.images])
        return _composer(form, post)
    form = ComposerForm()
    if not form.validate():
        return _composer(form, post, 400)
    try:
        _save_composer(form, lambda data: posts.edit_post(db(), actor(), post, data,
                                                          _version(form)))
    except DomainError as exc:
        return _composer_refused(form, post, exc)
    flash("New revision saved. Review the checks, then submit it.", "success")
    return redirect(url_for("posts.detail", post_id=post.id), 303)


def _done_message(post: Post, action: Action) -> str:
    """What a workflow step did, as a sentence ("Post #12 was sent to News Affairs.")."""
    number = f"Post #{post.id}"
    if action is Action.UNSCHEDULE:
        return f"{number} is no longer scheduled. Publish it or schedule it again when it is ready."
    by_state = {
        PostState.AWAITING_NEWS_AFFAIRS: f"{number} was sent to News Affairs.",
        PostState.AWAITING_SERGEANT: f"{number} was sent to the district's sergeant for review.",
        PostState.PUBLISHED: f"{number} was published.",
        PostState.APPROVED: f"{number} was approved.",
        PostState.REJECTED: f"{number} was rejected.",
        PostState.DRAFT: f"{number} was returned to its author.",
        PostState.CHECKED: f"{number} passed the checks and is ready to publish.",
    }
    return by_state.get(post.state, f"{number} is now {in_sentence(post.state.label)}.")


def _render_detail(post: Post, status: int = 200, error: str | None = None, **forms):
    actions = posts.allowed_actions(db(), current_user, post)
    revision = post.current_revision
    acknowledged = {a.rule: a for a in revision.acknowledgements}
    local = clock.utcnow().astimezone(clock.department_zone()).replace(second=0, microsecond=0,
                                                                       tzinfo=None)
    return render_template(
        "posts/detail.html", post=post, revision=revision, actions=actions, Action=Action,
        acknowledged=acknowledged, unmet=posts.unmet_requirements(post), error=error,
        counts=counting.count_all(revision.body),
        note_form=forms.get("note_form") or NoteForm(version=post.version),
        ack_form=forms.get("ack_form") or AcknowledgeForm(),
        schedule_form=forms.get("schedule_form") or ScheduleForm(version=post.version,
                                                                 when=local),
        action_form=ActionForm(), time_sensitive=post.category in TIME_SENSITIVE,
        events=posts.timeline(db(), post)[-5:]), status


@bp.route("/<int:post_id>")
@role_required()
def detail(post_id: int):
    return _render_detail(_post_or_404(post_id))[0]


@bp.route("/<int:post_id>/acknowledge", methods=["POST"])
@role_required(*WRITERS)
def acknowledge(post_id: int):
    post = _post_to_act_on(post_id)
    form = AcknowledgeForm()
    if not form.validate():
        return _render_detail(post, 400, "Give your reason for acknowledging the warning.",
                              ack_form=form)
    try:
        posts.acknowledge(db(), actor(), post, form.rule.data, form.reason.data)
    except DomainError as exc:
        return _refused(post_id, exc, ack_form=form)
    db().commit()
    flash(f"The warning on post #{post_id} was acknowledged.", "success")
    return redirect(url_for("posts.detail", post_id=post_id), 303)


@bp.route("/<int:post_id>/actions/<action>", methods=["POST"])
@role_required(*ACTORS)
def act(post_id: int, action: str):
    """One workflow step taken with a button (and, where it matters, a note)."""
    if action not in BUTTON_ACTIONS:
        abort(404)
    post = _post_to_act_on(post_id)
    form = NoteForm()
    if not form.validate():
        return _render_detail(post, 400, "The note is too long.", note_form=form)
    operation, takes_note = BUTTON_ACTIONS[action]
    kwargs = {"note": form.note.data or ""} if takes_note else {}
    try:
        held = operation(db(), actor(), post, expected_version=_version(form), **kwargs)
    except DomainError as exc:
        return _refused(post_id, exc, note_form=form)
    db().commit()
    if isinstance(held, posts.Held):
        return _render_detail(post, 409, held.reason)
    flash(_done_message(post, Action(action)), "success")
    return redirect(url_for("posts.detail", post_id=post_id), 303)


@bp.route("/<int:post_id>/discontinue", methods=["POST"])
@role_required(Role.SERGEANT, Role.NEWS_AFFAIRS)
def discontinue(post_id: int):
    post = _post_to_act_on(post_id)
    form = NoteForm()
    if not form.validate() or not (form.note.data or "").strip():
        return _render_detail(post, 400, "Give the reason for discontinuing the post.",
                              note_form=form)
    try:
        posts.discontinue(db(), actor(), post, form.note.data, expected_version=_version(form))
    except DomainError as exc:
        return _refused(post_id, exc)
    db().commit()
    flash(f"Post #{post_id} was discontinued: it is no longer public. It stays in the history "
          "and the archive.", "success")
    return redirect(request.form.get("back") == "review" and url_for("posts.sergeant_queue")
                    or url_for("posts.detail", post_id=post_id), 303)


@bp.route("/<int:post_id>/schedule", methods=["POST"])
@role_required(*WRITERS)
def schedule(post_id: int):
    post = _post_to_act_on(post_id)
    form = ScheduleForm()
    if not form.validate():
        return _render_detail(post, 400, "Choose a valid date and time.", schedule_form=form)
    when = form.when.instant
    try:
        held = posts.schedule(db(), actor(), post, when, expected_version=_version(form))
    except DomainError as exc:
        return _refused(post_id, exc, schedule_form=form)
    db().commit()
    if held:
        return _render_detail(post, 409, held.reason)
    flash(f"Post #{post.id} is scheduled to go out {clock.department_text(when)}.", "success")
    if form.when.note:
        flash(form.when.note, "warning")
    return redirect(url_for("posts.detail", post_id=post_id), 303)


@bp.route("/<int:post_id>/history")
@role_required()
def history(post_id: int):
    post = _post_or_404(post_id)
    return render_template("posts/history.html", post=post,
                           revisions=posts.revisions(db(), post),
                           events=posts.timeline(db(), post))


@bp.route("/<int:post_id>/revisions/<int:number>")
@role_required()
def revision(post_id: int, number: int):
    post = _post_or_404(post_id)
    try:
        rev = posts.get_revision(db(), post, number)
    except NotFound:
        abort(404)
    return render_template("posts/revision.html", post=post, revision=rev,
                           acknowledged={a.rule: a for a in rev.acknowledgements},
                           counts=counting.count_all(rev.body))


@bp.route("/<int:post_id>/diff")
@role_required()
def diff(post_id: int):
    post = _post_or_404(post_id)
    all_revisions = posts.revisions(db(), post)
    last = all_revisions[-1].number
    old_n = request.args.get("from", max(1, last - 1), type=int)
    new_n = request.args.get("to", last, type=int)
    try:
        old, new = posts.get_revision(db(), post, old_n), posts.get_revision(db(), post, new_n)
    except NotFound:
        abort(404)
    return render_template("posts/diff.html", post=post, old=old, new=new,
                           revisions=all_revisions, changes=posts.diff(old, new))


@bp.route("/news-affairs")
@role_required(Role.NEWS_AFFAIRS)
def news_affairs_queue():
    return render_template("posts/news_affairs.html",
                           queue=posts.news_affairs_queue(db()),
                           held=posts.held_posts(db()),
                           overdue=posts.overdue_reviews(db()))


@bp.route("/sergeant")
@role_required(Role.SERGEANT)
def sergeant_queue():
    return _sergeant_page(ActionForm())


def _sergeant_page(form, status: int = 200, texts_form=None):
    district_id = current_user.district_id
    return render_template(
        "posts/sergeant.html", form=form, note_form=NoteForm(),
        texts_form=texts_form or ActionForm(),
        pre_review=posts.sergeant_pre_review_queue(db(), district_id),
        queue=posts.review_queue(db(), district_id, current_app.config["PAGE_SIZE"]),
        total=posts.review_queue_size(db(), district_id),
        texts=published_texts.review_queue(db(), district_id, current_app.config["PAGE_SIZE"]),
        texts_total=published_texts.review_queue_size(db(), district_id),
        past_date=post_validity.past_date(db(), district_id)), status


@bp.route("/review", methods=["POST"])
@role_required(Role.SERGEANT)
def mark_reviewed():
    """Mark the selected posts (or, with ``all``, the whole queue) reviewed."""
    form = ActionForm()
    if not form.validate():
        abort(400)
    queue = posts.review_queue(db(), current_user.district_id)
    if request.form.get("all"):
        chosen = queue
    else:
        wanted = {int(v) for v in request.form.getlist("post_id") if v.isdigit()}
        chosen = [p for p in queue if p.id in wanted]
        if not chosen:
            form.form_errors.append("Choose at least one post to mark reviewed.")
            return _sergeant_page(form, 400)
    count = posts.mark_reviewed(db(), actor(), chosen)
    db().commit()
    flash(f"{count} post{'s' if count != 1 else ''} marked reviewed.", "success")
    return redirect(url_for("posts.sergeant_queue"), 303)


@bp.route("/review/texts", methods=["POST"])
@role_required(Role.SERGEANT)
def mark_texts_reviewed():
    """Mark the selected official replies and district statements (or, with ``all``, every
    one waiting) reviewed."""
    form = ActionForm()
    if not form.validate():
        abort(400)
    queue = published_texts.review_queue(db(), current_user.district_id)
    if request.form.get("all"):
        chosen = queue
    else:
        wanted = {v for v in request.form.getlist("text_id")}
        chosen = [t for t in queue if str(t.id) in wanted]
        if not chosen:
            form.form_errors.append("Choose at least one reply or statement to mark reviewed.")
            return _sergeant_page(ActionForm(), 400, texts_form=form)
    try:
        count = published_texts.mark_reviewed(db(), actor(), chosen)
    except DomainError as exc:
        db().rollback()
        form.form_errors.append(exc.message)
        return _sergeant_page(ActionForm(), exc.status_code, texts_form=form)
    db().commit()
    flash(f"{count} repl{'ies and statements' if count != 1 else 'y or statement'} marked "
          "reviewed.", "success")
    return redirect(url_for("posts.sergeant_queue"), 303)


@bp.route("/attention")
@role_required()
def attention():
    """What waits for the signed-in user, with the posts behind each item."""
    items = notifications.attention(db(), current_user)
    kinds = {item.kind for item in items}
    returned = posts.returned_posts(db(), current_user) \
        if "returned" in kinds and current_user.role in WRITERS else []
    held = posts.held_posts(db(), None if current_user.role is Role.NEWS_AFFAIRS
                            else current_user.district_id) \
        if "held" in kinds and current_user.role in ACTORS else []
    if current_user.role is Role.REPRESENTATIVE:
        held = [p for p in held if current_user.id in posts.author_ids(db(), p)]
    approved = notifications.approved_posts(db(), current_user) if "approved" in kinds else []
    discontinued = notifications.recently_discontinued(db(), current_user) \
        if "discontinued" in kinds else []
    return render_template("posts/attention.html", items=items, returned=returned, held=held,
                           approved=approved, discontinued=discontinued)


@bp.route("/count", methods=["POST"])
@role_required()
@takes_json
def count():
    """Lengths as each platform counts them: the composer's live counter asks the server, so
    the two can never disagree."""
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict) or not isinstance(payload.get("text"), str):
        return jsonify(error="Send JSON with a text field."), 400
    try:
        text = normalise(payload["text"], "The text").strip()
    except TextRefused as exc:
        return jsonify(error=exc.message), 400
    if len(text) > 20000:
        return jsonify(error="Text too long to count."), 413
    return jsonify(counts=[{"platform": c.platform, "label": c.label, "length": c.length,
                            "limit": c.limit, "remaining": c.remaining, "over": c.over}
                           for c in counting.count_all(text)])


@bp.route("/images/<int:asset_id>")
@role_required()
def image(asset_id: int):
    asset = db().get(MediaAsset, asset_id)
    if asset is None:
        abort(404)
    require(can_view_district(current_user, db().get(District, asset.district_id)))
    return send_asset(asset, private=True)


def send_asset(asset: MediaAsset, private: bool):
    store = _store()
    if not store.exists(asset.storage_key):
        abort(404)
    return send_file(store.path(asset.storage_key), mimetype=asset.mime,
                     max_age=0 if private else 3600, etag=True, conditional=True)
