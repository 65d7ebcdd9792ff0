"""A demo department: three approved districts and one or more users of every role.

Demo accounts are flagged; only while demo mode is on may they sign in without a second factor.
"""
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from beatdesk import (accounts, checkpoints, comments, districts, moderation, posts,
                      representatives, terms)
from beatdesk.accounts import UserData
from beatdesk.checkpoints import ArchiveKey
from beatdesk.context import Actor
from beatdesk.districts import DepartmentData, DistrictData
from beatdesk.models import Category, District, ModerationMode, Platform, Post, User
from beatdesk.platforms import accounts as platform_accounts
from beatdesk.platforms.accounts import ConnectionData
from beatdesk.roles import Role

DEMO_PASSWORD = "Beat-desk-demo-2026"

DISTRICTS = [
    (1, "Central", "central", "Central District serves downtown, the riverfront and the civic "
     "center. This page shares community alerts, crime prevention tips, beat meetings and "
     "events in the district."),
    (7, "Englewood", "englewood", "The 7th District page keeps residents informed of safety "
     "alerts, road closures, community events and beat meetings in Englewood."),
    (12, "Near West", "near-west", "The 12th District page shares timely safety information, "
     "recruitment news and community events for the Near West Side."),
]


@dataclass(frozen=True)
class DemoLogin:
    login_id: str
    role: Role
    district: str
    name: str


def seed(session: Session, key: ArchiveKey | None = None) -> list[DemoLogin]:
    """Create the demo department once; later calls leave the data alone and list the logins.

    With the archive ``key``, the new archive is anchored by a first signed checkpoint, so the
    public checkpoint page and the feeds show one from the start.
    """
    if session.scalar(select(User.id).limit(1)) is None:
        _create(session)
        if key is not None:
            checkpoints.make_checkpoint(session, key)
    order = {role: index for index, role in enumerate(Role)}
    rows = sorted(session.scalars(select(User).where(User.demo_account.is_(True))),
                  key=lambda u: (u.district.number if u.district else 0, order[u.role], u.login_id))
    return [DemoLogin(u.login_id, u.role, u.district.label if u.district else "department-wide",
                      u.display_name) for u in rows]


def _create(session: Session) -> None:
    admin = accounts.bootstrap_admin(session, UserData(
        full_name="Avery Admin", rank="", star_number="", employee_number="D-0001",
        login_id="admin", email="admin@demo-pd.example", role=Role.ADMIN, district_id=None),
        DEMO_PASSWORD)
    admin.demo_account = True
    actor = Actor(user=admin, client_addr="demo-seed")
    districts.save_department(session, actor, DepartmentData(
        name="Demo City Police Department", official_website="https://police.demo-city.example",
        contact_phone="+1 312-555-0100", contact_email="info@demo-pd.example",
        contact_address="3510 S Michigan Ave, Demo City"))

    people = [
        ("Noor News", "Director", "", "news", Role.NEWS_AFFAIRS, None),
        ("Rosa Records", "", "", "records", Role.RECORDS, None),
    ]
    for number, name, slug, intro in DISTRICTS:
        district = districts.create_district(session, actor, DistrictData(
            number=number, name=name, slug=slug, handle_x=f"DemoPD{number:03d}",
            handle_mastodon=f"@district{number}@social.demo-city.example",
            handle_bluesky=f"district{number}.demo-city.example", intro_statement=intro,
            contact_phone=f"+1 312-555-01{number:02d}",
            contact_email=f"district{number}@demo-pd.example",
            contact_address=f"{number * 100} W Demo St, Demo City",
            moderation_mode=ModerationMode.PRE if number != 12 else ModerationMode.POST))
        districts.approve_district(session, actor, district)
        tag = f"d{number}"
        people += [
            (f"Casey Commander {number}", "Commander", f"{number}00", f"{tag}.commander",
             Role.COMMANDER, district.id),
            (f"Sam Sergeant {number}", "Sergeant", f"{number}01", f"{tag}.sergeant",
             Role.SERGEANT, district.id),
            (f"Riley Rep {number}", "Police Officer", f"{number}02", f"{tag}.rep1",
             Role.REPRESENTATIVE, district.id),
            (f"Jordan Rep {number}", "Police Officer", f"{number}03", f"{tag}.rep2",
             Role.REPRESENTATIVE, district.id),
        ]
        if number == DISTRICTS[0][0]:  # someone for the commander to rotate in
            people.append((f"Morgan Standby {number}", "Police Officer", f"{number}04",
                           f"{tag}.rep3", Role.REPRESENTATIVE, district.id))
    created = {}
    for index, (name, rank, star, login, role, district_id) in enumerate(people, start=2):
        created[login] = accounts.create_user(session, actor, UserData(
            full_name=name, rank=rank, star_number=star, employee_number=f"D-{index:04d}",
            login_id=login, email=f"{login}@demo-pd.example", role=role,
            district_id=district_id), DEMO_PASSWORD, demo_account=True)
    for number, *_ in DISTRICTS:
        commander = created[f"d{number}.commander"]
        district = commander.district
        for rep in ("rep1", "rep2"):
            representatives.designate(session, Actor(commander, "demo-seed"), district,
                                      created[f"d{number}.{rep}"].id)
    _demo_platform_accounts(session, actor)
    _demo_posts(session, created)
    _demo_comments(session, created)


def _demo_platform_accounts(session: Session, actor: Actor) -> None:
    """District 1 and the department post to X, Mastodon and Bluesky. With the default
    ``PLATFORM_CONNECTORS=local`` nothing leaves the machine: the worker "sends" to the local
    connector, so the outbox, receipts and the failed-sends page work offline."""
    central = session.scalar(select(District).where(District.number == DISTRICTS[0][0]))
    for district_id, x, mastodon, bluesky in (
            (central.id, "DemoPD001", "district1", "district1.demo-city.example"),
            (None, "DemoCityPD", "demopd", "police.demo-city.example")):
        for data in (
                ConnectionData(Platform.X, district_id, handle=x,
                               access_token="demo-token-not-used-offline"),
                ConnectionData(Platform.MASTODON, district_id, handle=mastodon,
                               base_url="https://social.demo-city.example",
                               access_token="demo-token-not-used-offline"),
                ConnectionData(Platform.BLUESKY, district_id, handle=bluesky,
                               app_password="demo-app-password")):
            platform_accounts.connect_account(session, actor, data)


def _demo_posts(session: Session, people: dict[str, User]) -> None:
    """A few posts in different states so every queue has something to show."""
    def act(login: str) -> Actor:
        return Actor(people[login], "demo-seed")

    def write(login: str, category: Category, body: str, notable: bool = False):
        user = people[login]
        return posts.create_post(session, act(login), user.district, posts.PostData(
            category=category, body=body, notable_marked=notable))

    def release(login: str, category: Category, body: str) -> None:
        post = write(login, category, body)
        posts.submit(session, act(login), post)
        posts.publish(session, act(login), post)

    release("d1.rep1", Category.BEAT_MEETING,
            "Beat 111 community meeting: Tuesday at 6:30 pm in the library community room. "
            "Bring your questions for your beat officers.")
    release("d1.rep2", Category.ROAD_CLOSURE,
            "State Street is closed between Lake and Randolph until 4 pm for the holiday "
            "parade. Use Dearborn or Wabash instead.")
    release("d7.rep1", Category.CRIME_PREVENTION_TIP,
            "Package thefts rise in December. Ask a neighbour to take in deliveries or have "
            "them held at a pickup point.")
    arrest = write("d7.rep2", Category.SUCCESS_STORY,
                   "Officers arrested two people after a string of catalytic converter thefts "
                   "near 47th Street. Thank you to the neighbours who called it in.")
    posts.submit(session, act("d7.rep2"), arrest)  # notable: waits for News Affairs
    write("d12.rep1", Category.COMMUNITY_EVENT,
          "Coffee with a Cop this Saturday, 9 to 11 am, at the Elm Street cafe.")


def _demo_comments(session: Session, people: dict[str, User]) -> None:
    """Visitor comments on Central's beat meeting: one approved and answered by the district
    (the reply passes the checks and waits for the sergeant's review), two waiting in the
    queue, one of them held by screening."""
    beat_meeting = session.scalar(select(Post).where(Post.category == Category.BEAT_MEETING))
    version = terms.current_terms(session).number
    visitor = Actor(None, "203.0.113.7")

    def comment(name: str, body: str):
        return comments.submit_comment(session, visitor, beat_meeting.id, comments.CommentSubmission(
            name=name, email="", body=body, accepted_terms=True, terms_version=version))

    question = comment("Dana W.", "Is there parking at the library, or should we take the bus?")
    sergeant = Actor(people["d1.sergeant"], "demo-seed")
    moderation.moderate(session, sergeant, question.id, "approve", question.version)
    moderation.reply_as_district(session, Actor(people["d1.rep1"], "demo-seed"), question.id,
                                 "Yes: the library lot is free after 6 pm, and the 22 bus stops "
                                 "at the door.")
    comment("Luis R.", "Response times on my block have been too slow this fall. I'll be there "
                       "to ask about staffing.")
    comment("anon", "You clowns couldn't find a donut shop with a map.")
