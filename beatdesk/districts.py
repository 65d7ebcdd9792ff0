"""The department's settings and its districts (outlets): create, edit, approve."""
import re
from dataclasses import asdict, dataclass
from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from beatdesk import outlets
from beatdesk.audit import record_event
from beatdesk.context import Actor
from beatdesk.errors import NotFound, PermissionDenied, ValidationFailed
from beatdesk.models import Department, District, ModerationMode, User
from beatdesk.permissions import can_manage_districts, is_department_wide

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def _require_admin(actor: Actor) -> None:
    if not can_manage_districts(actor.user):
        raise PermissionDenied("Only an administrator can change districts and department settings.")


def _check_url(value: str, field: str) -> None:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValidationFailed("Enter a full web address starting with https://.", field=field)


@dataclass
class DepartmentData:
    name: str
    official_website: str
    contact_phone: str
    contact_email: str
    contact_address: str
    review_interval_days: int = 7  # how often sergeants must review district postings
    directive_name: str = ""  # what findings cite as the department's directive


def get_department(session: Session) -> Department | None:
    return session.scalar(select(Department).order_by(Department.id).limit(1))


def save_department(session: Session, actor: Actor, data: DepartmentData) -> Department:
    """Create or update the department's name, official website and contact information."""
    _require_admin(actor)
    data = DepartmentData(**{k: v.strip() if isinstance(v, str) else v
                             for k, v in asdict(data).items()})
    if not data.name:
        raise ValidationFailed("Enter the department's name.", field="name")
    if not 1 <= data.review_interval_days <= 90:
        raise ValidationFailed("The review interval is between 1 and 90 days.",
                               field="review_interval_days")
    _check_url(data.official_website, "official_website")
    department = get_department(session)
    if department is None:
        department = Department(**asdict(data))
        session.add(department)
        record_event(session, actor, "department.created", obj=department, details=asdict(data))
        return department
    changes = {k: [getattr(department, k), v] for k, v in asdict(data).items()
               if getattr(department, k) != v}
    for field, value in asdict(data).items():
        setattr(department, field, value)
    if changes:
        record_event(session, actor, "department.updated", obj=department,
                     details={"changes": changes})
    return department


@dataclass
class DistrictData:
    number: int
    name: str
    slug: str
    handle_x: str
    handle_mastodon: str
    handle_bluesky: str
    intro_statement: str
    contact_phone: str
    contact_email: str
    contact_address: str
    moderation_mode: ModerationMode


def _normalise(data: DistrictData) -> DistrictData:
    values = {k: (v.strip() if isinstance(v, str) else v) for k, v in asdict(data).items()}
    values["slug"] = values["slug"].lower()
    values["handle_x"] = values["handle_x"].lstrip("@")
    values["moderation_mode"] = ModerationMode(values["moderation_mode"])
    return DistrictData(**values)


def _validate(session: Session, data: DistrictData, existing: District | None) -> None:
    if not (isinstance(data.number, int) and 0 < data.number < 10000):
        raise ValidationFailed("The district number is a whole number from 1 to 9999.",
                               field="number")
    if not data.name:
        raise ValidationFailed("Enter the district's name.", field="name")
    if not SLUG_RE.match(data.slug) or len(data.slug) > 80:
        raise ValidationFailed("The address name uses lower-case letters, digits and single "
                               "dashes, e.g. “district-7”.", field="slug")
    if not data.intro_statement:
        raise ValidationFailed("Write the introductory statement of the page's purpose and scope.",
                               field="intro_statement")
    if data.handle_x and not re.fullmatch(r"[A-Za-z0-9_]{1,15}", data.handle_x):
        raise ValidationFailed("An X handle is 1 to 15 letters, digits or underscores.",
                               field="handle_x")
    for field, label, column, value in (
        ("number", "number", District.number, data.number),
        ("name", "name", func.lower(District.name), data.name.lower()),
        ("slug", "address name", District.slug, data.slug),
    ):
        query = select(District.id).where(column == value)
        if existing is not None:
            query = query.where(District.id != existing.id)
        if session.scalar(query) is not None:
            raise ValidationFailed(f"Another district already has the {label} “{value}”.",
                                   field=field)


def get_district(session: Session, district_id: int) -> District:
    district = session.get(District, district_id)
    if district is None:
        raise NotFound("No such district.")
    return district


def create_district(session: Session, actor: Actor, data: DistrictData) -> District:
    """Create a district; it stays unusable until approved."""
    _require_admin(actor)
    data = _normalise(data)
    _validate(session, data, None)
    district = District(**asdict(data))
    session.add(district)
    record_event(session, actor, "district.created", obj=district,
                 details={k: str(v) for k, v in asdict(data).items()})
    outlets.record_created(session, actor, district)
    return district


def update_district(session: Session, actor: Actor, district: District,
                    data: DistrictData) -> District:
    _require_admin(actor)
    data = _normalise(data)
    _validate(session, data, district)
    changes = {k: [str(getattr(district, k)), str(v)] for k, v in asdict(data).items()
               if getattr(district, k) != v}
    before = outlets.fields_of(district)
    for field, value in asdict(data).items():
        setattr(district, field, value)
    if changes:
        record_event(session, actor, "district.updated", obj=district, details={"changes": changes})
        outlets.record_change(session, actor, district, before)
    return district


def approve_district(session: Session, actor: Actor, district: District) -> District:
    """Approve a district's page as an official outlet: only the approving authority or a
    delegate in force, never the person who created or last changed it (``beatdesk.outlets``).
    The first approval puts the district in use; a later one approves a change."""
    outlet = outlets.ensure_outlet(session, district)
    if district.is_approved and not outlet.awaiting_approval:
        raise ValidationFailed(f"{district.label} was already approved.")
    approval = outlets.approve(session, actor, outlet, audit=False)
    record_event(session, actor, "district.approved", obj=district,
                 details={"outlet_id": outlet.id, "version": outlet.approved_number,
                          "approving_as": approval.approving_as})
    return district


def list_districts(session: Session, approved_only: bool = False) -> list[District]:
    query = select(District).order_by(District.number)
    if approved_only:
        query = query.where(District.approved_at.is_not(None))
    return list(session.scalars(query))


def districts_visible_to(session: Session, user: User) -> list[District]:
    """Every district for department-wide roles; only their own for district roles."""
    if is_department_wide(user):
        return list_districts(session)
    return [user.district] if user.district is not None else []
