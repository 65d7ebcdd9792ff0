"""A demo department with a believable month behind it, so every role has work waiting.

Three approved districts (and one waiting for approval), one or more users of every role, the
department's name for its social media directive (which policy findings cite), and a month of
activity: posts with images in every state (draft, returned, waiting for the sergeant or News
Affairs, approved, rejected, scheduled, held, published, discontinued; one scheduled five
minutes after seeding, for the worker beside ``bin/demo`` to publish), visitor comments in
every moderation state (held ones for each screening reason), official replies, media
inquiries, records requests at every stage (one due the next business day, one overdue, one
waiting for the requester, releases in full and in part with their packages), a legal hold,
a retention schedule with a proposed disposition.

Demo accounts are flagged; only while demo mode is on may they sign in without a second factor.
Seeding moves the domain clock through the month (``beatdesk.clock``), so every row carries the
time it would have had, and puts the system clock back when done.
"""
from __future__ import annotations

import io
import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from unittest import mock

from PIL import Image, ImageDraw
from sqlalchemy import select
from sqlalchemy.orm import Session

from beatdesk import (accounts, archive_search, checkpoints, clock, comments, districts,
                      inquiries, media, moderation, passwords, posts, reading_room, records,
                      records_portal, records_tolling, release, representatives, retention,
                      terms)
from beatdesk import outlets
from beatdesk import post_validity
from beatdesk.accounts import UserData
from beatdesk.archive_search import SearchCriteria
from beatdesk.checkpoints import ArchiveKey
from beatdesk.checks import terms as check_terms
from beatdesk.context import Actor
from beatdesk.districts import DepartmentData, DistrictData
from beatdesk.due_dates import add_business_days, due_date, rules_for
from beatdesk.models import (Category, District, ModerationMode, Platform, Post, PostState,
                             RepresentativeDesignation, User)
from beatdesk.models.records import ReceivedVia, RecordsRequest, Release, RequestState
from beatdesk.models.platforms import (AttemptOutcome, OutboxKind, OutboxRow, OutboxState,
                                       PlatformAccount)
from beatdesk.platforms import accounts as platform_accounts
from beatdesk.platforms import outbox
from beatdesk.platforms.accounts import ConnectionData
from beatdesk.platforms.worker import SCHEDULER
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


def seed(session: Session, key: ArchiveKey | None = None, *,
         media_root: str | Path | None = None, release_root: str | Path | None = None,
         records_rules: str = "IL", timezone: str = clock.DEFAULT_ZONE) -> list[DemoLogin]:
    """Create the demo department once; later calls leave the data alone and list the logins.

    With the archive ``key``, the new archive is anchored by a first signed checkpoint, so the
    public checkpoint page and the feeds show one from the start. Posts get images when
    ``media_root`` is given, and the released request its package under ``release_root``.
    """
    if session.scalar(select(User.id).limit(1)) is None:
        with _one_password_hash(), _moving_clock() as month:
            _create(session, _Month(month, media_root, release_root, rules_for(records_rules),
                                    timezone))
        if key is not None:
            checkpoints.make_checkpoint(session, key)
    return logins(session)


def logins(session: Session) -> list[DemoLogin]:
    """The demo accounts, by district and role (what the sign-in page lists in demo mode)."""
    order = {role: index for index, role in enumerate(Role)}
    rows = sorted(session.scalars(select(User).where(User.demo_account.is_(True),
                                                     User.active.is_(True))),
                  key=lambda u: (u.district.number if u.district else 0, order[u.role], u.login_id))
    return [DemoLogin(u.login_id, u.role, u.district.label if u.district else "department-wide",
                      u.display_name) for u in rows]


@contextmanager
def _one_password_hash() -> Iterator[None]:
    """Every demo account has the same password: hash it once (Argon2 is slow on purpose)."""
    hashed = passwords.hash_password(DEMO_PASSWORD)
    with mock.patch.object(passwords, "hash_password",
                           lambda password: hashed if password == DEMO_PASSWORD
                           else _hash(password)):
        yield


_hash = passwords.hash_password


class _Clock:
    """The domain clock during seeding: set to a moment of the past month, or to real time."""

    def __init__(self) -> None:
        self.real_now = datetime.now(UTC).replace(microsecond=0)
        self.now: datetime | None = None

    def __call__(self) -> datetime:
        return self.now if self.now is not None else datetime.now(UTC)

    def ago(self, days: float, hours: float = 0) -> datetime:
        self.now = self.real_now - timedelta(days=days, hours=hours)
        return self.now

    def today(self) -> None:
        self.now = None


@contextmanager
def _moving_clock() -> Iterator[_Clock]:
    previous = clock._source
    moving = _Clock()
    if previous is not None:  # a test's frozen clock: the month ends there
        moving.real_now = previous()
    clock.set_source(moving)
    try:
        yield moving
    finally:
        clock.set_source(previous)


@dataclass
class _Month:
    clock: _Clock
    media_root: str | Path | None
    release_root: str | Path | None
    rules: object
    timezone: str


SEED_ADDR = "demo-seed"  # the client address the seed's audit records carry
# What the department calls its social media directive: policy findings cite it by this name.
DIRECTIVE_NAME = "Demo City Police General Order G12-04, Social Media"


def _as(people: dict[str, User], login: str) -> Actor:
    """The demo account ``login`` acting during seeding."""
    return Actor(people[login], SEED_ADDR)


def _create(session: Session, month: _Month) -> None:
    month.clock.ago(35)
    admin = accounts.bootstrap_admin(session, UserData(
        full_name="Avery Admin", rank="", star_number="", employee_number="D-0001",
        login_id="admin", email="admin@demo-pd.example", role=Role.ADMIN, district_id=None),
        DEMO_PASSWORD)
    admin.demo_account = True
    actor = Actor(admin, SEED_ADDR)
    districts.save_department(session, actor, DepartmentData(
        name="Demo City Police Department", official_website="https://police.demo-city.example",
        contact_phone="+1 312-555-0100", contact_email="info@demo-pd.example",
        contact_address="3510 S Michigan Ave, Demo City", directive_name=DIRECTIVE_NAME))

    people = [
        ("Noor News", "Director", "", "news", Role.NEWS_AFFAIRS, None),
        ("Rosa Records", "", "", "records", Role.RECORDS, None),
    ]
    chief = _demo_outlet_authority(session, actor)
    for number, name, slug, intro in DISTRICTS:
        district = districts.create_district(session, actor, _district_data(number, name, slug,
                                                                             intro))
        districts.approve_district(session, chief, district)
        people += [(f"{first} {number}", rank, f"{number}{suffix:02d}", f"d{number}.{login}",
                    role, district.id)
                   for suffix, (first, rank, login, role) in enumerate(DISTRICT_STAFF)
                   if login != "rep3" or number == DISTRICTS[0][0]]
    created = {"admin": admin}
    for index, (name, rank, star, login, role, district_id) in enumerate(people, start=2):
        created[login] = accounts.create_user(session, actor, UserData(
            full_name=name, rank=rank, star_number=star, employee_number=f"D-{index:04d}",
            login_id=login, email=f"{login}@demo-pd.example", role=role,
            district_id=district_id), DEMO_PASSWORD, demo_account=True)
    for number, *_ in DISTRICTS:
        commander = _as(created, f"d{number}.commander")
        for rep in ("rep1", "rep2"):
            representatives.designate(session, commander, commander.user.district,
                                      created[f"d{number}.{rep}"].id)
    _demo_platform_accounts(session, actor)
    _demo_outlet_delegate_approves_accounts(session, actor, created)
    _demo_posts(session, created, month)
    _demo_post_validity(session, created, month)
    _demo_check_waivers(session, created, month)
    _demo_comments(session, created, month)
    _demo_inquiries(session, created, month)
    _demo_records(session, created, month)
    _demo_rotation(session, created, month)
    _demo_duty_hours(session, created)
    month.clock.today()
    # A district asks to be an official outlet: the administrator's approval is pending.
    districts.create_district(session, actor, _district_data(
        19, "Lakeview", "lakeview", "The 19th District page will share safety alerts, beat "
        "meetings and events for Lakeview and the lakefront."))


# Each district's staff: (first name, rank, log-on ID after "d<number>.", role); star numbers
# follow the order. Only Central has a standby representative, for its commander to rotate in.
DISTRICT_STAFF = [
    ("Casey Commander", "Commander", "commander", Role.COMMANDER),
    ("Sam Sergeant", "Sergeant", "sergeant", Role.SERGEANT),
    ("Riley Rep", "Police Officer", "rep1", Role.REPRESENTATIVE),
    ("Jordan Rep", "Police Officer", "rep2", Role.REPRESENTATIVE),
    ("Morgan Standby", "Police Officer", "rep3", Role.REPRESENTATIVE),
]


def _district_data(number: int, name: str, slug: str, intro: str) -> DistrictData:
    return DistrictData(
        number=number, name=name, slug=slug, handle_x=f"DemoPD{number:03d}",
        handle_mastodon=f"@district{number}@social.demo-city.example",
        handle_bluesky=f"district{number}.demo-city.example", intro_statement=intro,
        contact_phone=f"+1 312-555-01{number:02d}",
        contact_email=f"district{number}@demo-pd.example",
        contact_address=f"{number * 100} W Demo St, Demo City",
        moderation_mode=ModerationMode.PRE if number != 12 else ModerationMode.POST)


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


def _demo_outlet_authority(session: Session, admin: Actor) -> Actor:
    """The Chief of Police is the department's approving authority for outlets (Detroit 102.8
    4.3); the administrator records it, and the Chief approves the district pages."""
    chief = accounts.create_user(session, admin, UserData(
        full_name="Dana Chief", rank="Chief of Police", star_number="", employee_number="D-0900",
        login_id="chief", email="chief@demo-pd.example", role=Role.NEWS_AFFAIRS,
        district_id=None), DEMO_PASSWORD, demo_account=True)
    outlets.record_authority(session, admin, "Chief of Police", chief.id,
                             "General Order 12-3 names the Chief as approving authority.")
    return Actor(chief, SEED_ADDR)


def _demo_outlet_delegate_approves_accounts(session: Session, admin: Actor,
                                            people: dict[str, User]) -> None:
    """The Director of News Affairs approves the platform accounts as the Chief's delegate."""
    news = people["news"]
    outlets.record_delegation(session, admin, news.id, "Director of News Affairs, for the "
                              "Chief of Police", note="Written delegation on file.")
    delegate = Actor(news, SEED_ADDR)
    for account in session.scalars(select(PlatformAccount).order_by(PlatformAccount.id)):
        outlets.approve(session, delegate, outlets.ensure_outlet(session, account))


# --- posts ---------------------------------------------------------------------------------------

# (district number, author, days ago, category, text, picture or None, what becomes of it)
# Fates: "published", "notable" (approved by News Affairs, then published), "discontinued_by_
# sergeant", "discontinued_by_news", "draft", "returned", "awaiting_news_affairs",
# "awaiting_sergeant", "approved", "scheduled", "scheduled_soon", "held", "rejected".
C = Category
POSTS = [
    (1, "rep1", 29, C.BEAT_MEETING, "Beat 111 community meeting: Tuesday at 6:30 pm in the "
     "library community room. Bring your questions for your beat officers.",
     "Beat meeting", "published"),
    (7, "rep1", 28, C.CRIME_PREVENTION_TIP, "Lock it or lose it: most car break-ins we see "
     "this month were unlocked cars. Take valuables with you, even for a minute.",
     "Lock your car", "published"),
    (12, "rep1", 27, C.RECRUITMENT, "We're hiring. The next police officer exam is open for "
     "sign-up until the end of the month. Ask any officer in the district about the job.",
     "Join us", "published"),
    (1, "rep2", 26, C.ROAD_CLOSURE, "State Street is closed between Lake and Randolph until "
     "4 pm for the holiday parade. Use Dearborn or Wabash instead.", None, "published"),
    (7, "rep2", 25, C.COMMUNITY_EVENT, "Thanks to everyone who came out to the back-to-school "
     "bike safety day at Hamilton Park: 120 helmets fitted and given away.",
     "Bike safety day", "published"),
    (12, "rep2", 24, C.CRIME_PREVENTION_TIP, "Scam alert: nobody from the department will ever "
     "ask you to pay a fine with gift cards. Hang up and call us on the district number.",
     None, "published"),
    (1, "rep1", 22, C.SUCCESS_STORY, "Officers arrested two people after a string of "
     "catalytic converter thefts near the riverfront garages. Thank you to the neighbours who "
     "called it in.", None, "notable"),
    (7, "rep1", 21, C.WEATHER_EMERGENCY, "Warming centers are open tonight at the district "
     "station and the Englewood library. Check on elderly neighbours during the cold snap.",
     "Warming center", "published"),
    (12, "rep1", 20, C.COMMUNITY_EVENT, "Coffee with a Cop this Saturday, 9 to 11 am, at the "
     "community center. Come say hello to your beat officers.", "Coffee with a Cop",
     "published"),
    (1, "rep2", 19, C.CRIME_PREVENTION_TIP, "Package thefts rise in December. Ask a neighbour "
     "to take in deliveries or have them held at a pickup point.", "Package theft",
     "published"),
    (7, "rep2", 3.5, C.SPECIAL_EVENT, "The district's toy drive starts today: unwrapped toys can "
     "be dropped at the station front desk any time, day or night.", "Toy drive",
     "discontinued_by_sergeant"),
    (12, "rep2", 17, C.ROAD_CLOSURE, "Ashland Avenue is down to one lane each way near the "
     "expressway ramps for water main work through Friday. Expect delays.", None, "published"),
    (1, "rep1", 4.5, C.COMMUNITY_ALERT, "Heads up, riverfront residents: a rash of bike thefts "
     "from building storage rooms. Use a U-lock and register your bike's serial number.",
     "Bike lock", "discontinued_by_news"),
    (7, "rep1", 15, C.BEAT_MEETING, "Beat 712 meets Wednesday at 7 pm at St. Columbanus "
     "parish hall. This month: traffic safety near the schools.", "Beat meeting",
     "published"),
    (12, "rep1", 14, C.SUCCESS_STORY, "Officers found a missing 82-year-old man safe and well "
     "within an hour of the call, thanks to a neighbour who recognised him from our post.",
     None, "published"),
    (1, "rep2", 13, C.COMMUNITY_EVENT, "Shop with a Cop is back: officers will take 40 "
     "children holiday shopping on December 12. Thank you to every volunteer.",
     "Shop with a Cop", "published"),
    (1, "rep1", 12, C.CRIME_PREVENTION_TIP, "Running errands? Keep bags and phones out of "
     "sight in your car, and park in well-lit areas after dark.", None, "published"),
    (7, "rep2", 11, C.RECRUITMENT, "Community Service Officer positions are open. Bilingual "
     "applicants are encouraged to apply before the end of the month.", None, "published"),
    (12, "rep2", 10, C.CRIME_PREVENTION_TIP, "If your car has a push-button start, keep the "
     "key fob inside the house, not by the door.", None, "published"),
    (1, "rep2", 9, C.SPECIAL_EVENT, "The Riverwalk winter lights open Friday at 5 pm. Expect "
     "crowds and street closures around Wacker Drive; officers will be on foot patrol.",
     "Winter lights", "published"),
    (7, "rep1", 8, C.COMMUNITY_ALERT, "Officers responded to a shooting near 63rd and Halsted "
     "overnight. One man was taken to hospital. Anyone with information, call the tip line.",
     None, "notable"),
    (12, "rep1", 7, C.COMMUNITY_EVENT, "Thank you, Near West! 300 pounds of food collected at "
     "the district food drive for the pantry on Ogden Avenue.", "Food drive", "published"),
    (1, "rep1", 6, C.BEAT_MEETING, "Beat 122 meets Thursday at 6 pm at the Old Post Office "
     "community room. Parking is free after 5 pm.", None, "published"),
    (7, "rep2", 5, C.CRIME_PREVENTION_TIP, "Holiday shopping online? Only buy from sites you "
     "know, and never wire money to a seller you haven't met.", None, "published"),
    (12, "rep2", 4, C.ROAD_CLOSURE, "Halsted Street is closed between Madison and Monroe "
     "Sunday morning for the 5K run, 6 am to noon.", None, "published"),
    (1, "rep2", 3, C.COMMUNITY_EVENT, "Holiday safety talk for seniors, Monday 10 am at the "
     "Central library branch: scams, falls and winter driving.", "Safety talk", "published"),
    (7, "rep1", 2, C.SPECIAL_EVENT, "Hot chocolate with the district this Friday, 4 to 6 pm, "
     "at Hamilton Park fieldhouse.", "Hot chocolate", "published"),
    (12, "rep1", 1, C.COMMUNITY_ALERT, "Several garage burglaries overnight in the alleys off "
     "Loomis. Close and lock garage doors and report anything suspicious on 911.", None,
     "published"),
    (1, "rep1", 1, C.COMMUNITY_EVENT, "Bike Safety Rodeo on Saturday at the Central district "
     "parking lot, with thanks to Friends of Alderman Ruiz for donating the helmets.",
     "Bike rodeo", "held"),
    # Still in the works.
    (1, "rep1", 2, C.SUCCESS_STORY, "Officers arrested a man wanted for a string of armed "
     "robberies on the riverfront, after a foot chase on Lower Wacker.", "Arrest made",
     "returned"),
    (12, "rep1", 2.5, C.SUCCESS_STORY, "Officers arrested a teenager after a carjacking on "
     "Ogden Avenue; the driver was not hurt and the car was recovered on Damen.", None,
     "returned"),
    (7, "rep1", 1.5, C.SUCCESS_STORY, "Officers arrested a man who broke into three churches "
     "on Halsted Street; the stolen collection boxes are back with the parishes.",
     "Arrest made", "approved"),
    (12, "rep2", 1.2, C.SUCCESS_STORY, "Officers arrested a man wanted for a string of garage "
     "burglaries off Loomis, thanks to neighbours' doorbell video.", None, "approved"),
    (1, "rep1", 1, C.SPECIAL_EVENT, "Officers arrested three people at the Thanksgiving parade "
     "after a fight near the reviewing stand. No one was seriously hurt.", "Parade",
     "approved"),
    (1, "rep1", 1, C.COMMUNITY_ALERT, "A shooting near Clark and Lake this afternoon left one "
     "person injured. Avoid the area while officers investigate.", "Avoid the area",
     "awaiting_news_affairs"),
    (7, "rep2", 0.5, C.SUCCESS_STORY, "Officers arrested two people after a string of "
     "catalytic converter thefts near 47th Street. Thank you to the neighbours who called it "
     "in.", None, "awaiting_news_affairs"),
    (1, "rep1", 0.3, C.COMMUNITY_EVENT, "Holiday open house at the Central district station, "
     "December 18, 3 to 6 pm: meet your officers, tour the station, cookies for all.",
     "Open house", "awaiting_sergeant"),
    (1, "rep1", 0.2, C.RECRUITMENT, "Cadet program information night: January 8, 6 pm, at "
     "the district station. For ages 16 to 20.", "Cadet night", "scheduled"),
    (7, "rep1", 0.2, C.BEAT_MEETING, "Beat 713 meets next Tuesday at 6:30 pm at the "
     "Englewood library. Bring your questions about street lighting.", "Beat meeting",
     "scheduled_soon"),
    (12, "rep1", 0.1, C.COMMUNITY_EVENT, "Coffee with a Cop next month at the Elm Street cafe: "
     "date to follow.", "Coffee with a Cop", "draft"),
    (7, "rep2", 6, C.COMMUNITY_ALERT, "Officers arrested a driver after a police chase that "
     "ended in a crash on 59th Street. Squad car video to follow.", "Squad car", "rejected"),
]
SCENES = {  # picture title -> (background, accent)
    "Beat meeting": ("#1d3557", "#f1faee"), "Lock your car": ("#264653", "#e9c46a"),
    "Join us": ("#14213d", "#fca311"), "Bike safety day": ("#2a9d8f", "#f4a261"),
    "Warming center": ("#3d405b", "#f2cc8f"), "Coffee with a Cop": ("#6f4e37", "#f5ebe0"),
    "Package theft": ("#5f0f40", "#fb8b24"), "Toy drive": ("#9a031e", "#fff3b0"),
    "Bike lock": ("#003049", "#eae2b7"), "Shop with a Cop": ("#7b2cbf", "#e0aaff"),
    "Winter lights": ("#03045e", "#caf0f8"), "Food drive": ("#386641", "#f2e8cf"),
    "Safety talk": ("#22223b", "#c9ada7"), "Hot chocolate": ("#582f0e", "#ede0d4"),
    "Bike rodeo": ("#023047", "#ffb703"), "Open house": ("#2b2d42", "#edf2f4"),
    "Cadet night": ("#1b263b", "#e0e1dd"), "Arrest made": ("#0b090a", "#e5383b"),
    "Parade": ("#370617", "#ffba08"), "Avoid the area": ("#212529", "#ffd60a"),
    "Squad car": ("#001d3d", "#ffc300"),
}
ACK_REASONS = {
    "street_address": "The address is a public venue, not a private person's home.",
    "court_case": "States only what the public court record says.",
}


def _picture(title: str, seed: int) -> bytes:
    """A simple poster-like picture (drawn, so the demo needs no photo files)."""
    background, accent = SCENES.get(title, ("#333333", "#eeeeee"))
    image = Image.new("RGB", (800, 450), background)
    draw = ImageDraw.Draw(image)
    rng = random.Random(seed)
    for _ in range(14):
        x, y, r = rng.randrange(800), rng.randrange(450), rng.randrange(20, 90)
        draw.ellipse((x - r, y - r, x + r, y + r), outline=accent, width=4)
    draw.rectangle((0, 340, 800, 450), fill=accent)
    draw.text((32, 370), title.upper(), fill=background, font_size=48)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


# News Affairs' word on a notable post, by fate (any other notable post is approved as written).
NEWS_DECISIONS = {
    "rejected": (posts.reject, "Pursuit video is not released before the review board has "
                               "seen it; the arrest itself was in the department's statement."),
    "returned": (posts.return_post, "Please leave out how the arrest happened and say only "
                                    "that the suspect is in custody; charges are pending. Then "
                                    "send it back to us."),
}
# Who takes a published post down, how many days after it went out, and why.
DISCONTINUATIONS = {
    "discontinued_by_sergeant": ("sergeant", 1, "The station front desk is not staffed "
                                 "overnight this month; the drop-off hours were wrong."),
    "discontinued_by_news": ("news", 0.5, "Duplicates the department-wide alert published this "
                             "morning; one post keeps the replies together."),
}
# Fates whose post stops where it is once submitted (and News Affairs has had its say).
UNPUBLISHED = {"awaiting_news_affairs", "returned", "approved", "rejected"}
SCHEDULED_SOON = timedelta(minutes=5)  # the worker beside `bin/demo` publishes it while you look


def _images(store: media.MediaStore | None, picture: str | None, index: int,
            number: int) -> list[posts.NewImage]:
    if not picture or store is None:
        return []
    processed = media.process_image(_picture(picture, index), f"{picture}.jpg",
                                    max_bytes=10 * 1024 * 1024)
    return [posts.NewImage(image=processed, storage_key=store.save(processed),
                           alt_text=f"Poster: {picture}, {DISTRICT_NAMES[number]} District",
                           credit="Demo City Police Department", attested=True)]


def _demo_posts(session: Session, people: dict[str, User], month: _Month) -> None:
    store = media.MediaStore(Path(month.media_root)) if month.media_root else None
    later: list[tuple[Post, str]] = []
    for index, (number, who, days, category, body, picture, fate) in enumerate(POSTS):
        month.clock.ago(days, hours=2)
        author = _as(people, f"d{number}.{who}")
        post = posts.create_post(session, author, author.user.district, posts.PostData(
            category=category, body=body, new_images=_images(store, picture, index, number),
            valid_until=_demo_end_date(month, category)))
        session.flush()
        if fate == "draft":
            continue
        for finding in post.current_revision.findings:
            if finding["severity"] == "warning":
                posts.acknowledge(session, author, post, finding["rule"],
                                  ACK_REASONS.get(finding["rule"], "Checked with the sergeant."))
        posts.submit(session, author, post)
        if fate == "awaiting_sergeant":
            posts.request_sergeant_review(session, author, post)
            continue
        if fate == "held":
            month.clock.ago(days, hours=1.5)
            posts.schedule(session, author, post, clock.utcnow() + timedelta(hours=1))
        if post.state is PostState.AWAITING_NEWS_AFFAIRS and fate != "awaiting_news_affairs":
            month.clock.ago(days, hours=1)
            decide, note = NEWS_DECISIONS.get(fate, (posts.approve, "Approved as written."))
            decide(session, _as(people, "news"), post, note)
        if fate in UNPUBLISHED:
            continue
        if fate in ("held", "scheduled", "scheduled_soon"):
            later.append((post, fate))
            continue
        month.clock.ago(days, hours=0.5)
        held = posts.publish(session, author, post)
        assert held is None, held
        if fate in DISCONTINUATIONS:
            who, after, reason = DISCONTINUATIONS[fate]
            month.clock.ago(days - after)
            login = "news" if who == "news" else f"d{number}.{who}"
            posts.discontinue(session, _as(people, login), post, reason)
    _failed_send(session, month)
    # The sergeants of Englewood and Near West keep up; Central's review is overdue.
    for number in (7, 12):
        month.clock.ago(3)
        due = [p for p in posts.review_queue(session, _district_id(people, number))
               if p.published_at is not None and clock.as_utc(p.published_at)
               < clock.utcnow() - timedelta(days=1)]
        posts.mark_reviewed(session, _as(people, f"d{number}.sergeant"), due)
    for post, fate in later:
        if fate == "held":
            # A campaign committee the administrator lists after the post was scheduled: the
            # release check at its time holds it (political content, directive 4.4.d).
            month.clock.ago(1, hours=0.2)
            check_terms.add_term(session, _as(people, "admin"), "political",
                                 "Friends of Alderman Ruiz")
            month.clock.ago(1, hours=-1.5)
            posts.publish_due(session, SCHEDULER)
        else:
            month.clock.today()
            when = clock.utcnow() + (SCHEDULED_SOON if fate == "scheduled_soon"
                                     else timedelta(days=2, hours=3))
            held = posts.schedule(session, Actor(post.author, SEED_ADDR), post, when)
            assert held is None, held


def _demo_end_date(month: _Month, category: Category) -> datetime | None:
    """Time-bound posts carry an end or review date (beatdesk.post_validity): a month on."""
    return month.clock.real_now + timedelta(days=30) \
        if category in post_validity.REQUIRED else None


def _demo_post_validity(session: Session, people: dict[str, User], month: _Month) -> None:
    """For Central's sergeant: a road closure past its end date, back in the review, and a
    missing-person notice found safe, resolved, its image taken down everywhere."""
    store = media.MediaStore(Path(month.media_root)) if month.media_root else None
    month.clock.ago(9)
    author = _as(people, "d1.rep1")
    closure = posts.create_post(session, author, author.user.district, posts.PostData(
        category=C.ROAD_CLOSURE, body="Wacker Drive is closed between Franklin and Wells for "
        "bridge repairs until Saturday evening. Use Lake Street instead.",
        valid_until=clock.utcnow() + timedelta(days=4)))
    posts.submit(session, author, closure)
    month.clock.ago(9, hours=-0.5)
    assert posts.publish(session, author, closure) is None
    month.clock.ago(6)
    notice = posts.create_post(session, author, author.user.district, posts.PostData(
        category=C.MISSING_PERSON, body="Have you seen Dana Ellis, 16? Last seen Tuesday near "
        "the Harold Washington Library wearing a red coat. Call 311 with any information.",
        new_images=_images(store, "Missing: Dana Ellis", 90, 1),
        valid_until=clock.utcnow() + timedelta(days=14)))
    if posts.unmet_requirements(notice):  # the image needs a permission the seed has none of
        posts.edit_post(session, author, notice, posts.PostData(
            category=C.MISSING_PERSON, body=notice.current_revision.body,
            valid_until=notice.valid_until,
            images=[posts.ImageEdit(asset_id=i.asset_id, remove=True)
                    for i in notice.current_revision.images]))
    posts.submit(session, author, notice)
    if notice.state is PostState.AWAITING_NEWS_AFFAIRS:
        posts.approve(session, _as(people, "news"), notice, "Approved as written.")
    month.clock.ago(6, hours=-0.5)
    assert posts.publish(session, author, notice) is None
    month.clock.ago(2)
    post_validity.resolve(session, _as(people, "d1.sergeant"), notice, "Found safe. Thank you "
                          "for sharing.")


def _failed_send(session: Session, month: _Month) -> None:
    """X refused one of Central's posts (the app lost its write access): the row is dead, the
    author is told, and an administrator retries or resolves it on the failed-sends page."""
    row = session.scalars(select(OutboxRow).join(PlatformAccount)
                          .where(OutboxRow.kind == OutboxKind.POST_CREATE,
                                 PlatformAccount.platform == Platform.X,
                                 PlatformAccount.district_id.is_not(None))
                          .order_by(OutboxRow.id)).first()
    if row is None:
        return
    started = month.clock.ago(13)
    row.state, row.claimed_by, row.attempts = OutboxState.SENDING, "demo-worker", 1
    row.lease_until = started + timedelta(minutes=5)
    outbox.record(session, row.id, "demo-worker", 1, started, outbox.Result(
        AttemptOutcome.PERMANENT, status=403, error="403 Forbidden: the X app does not have "
        "write access (reconnect the account with read and write permission)."))


DISTRICT_NAMES = {number: name for number, name, *_ in DISTRICTS}


def _district_id(people: dict[str, User], number: int) -> int:
    return people[f"d{number}.sergeant"].district_id


# --- comments ------------------------------------------------------------------------------------

# (post text starts with, days ago, name, e-mail, comment, what the moderator does)
# Outcomes: "" (left as screening or the district's mode left it), "approve", "approve+reply"
# (approved and answered by the district), "reply" (answered), "hide:<clause>",
# "remove:<clause>", "block" (removed as spam and its sender blocked).
COMMENTS = [
    ("Beat 111", 28, "Dana W.", "", "Is there parking at the library, or should we take the "
     "bus?", "approve+reply"),
    ("Beat 111", 28, "Luis R.", "", "Response times on my block have been too slow this fall. "
     "I'll be there to ask about staffing.", "approve"),
    ("Beat 111", 27, "anon", "", "You clowns couldn't find a donut shop with a map.",
     "remove:3"),
    ("Package thefts", 18, "Grace P.", "grace@example.net", "Does the district station hold "
     "packages, or only the post office?", "approve+reply"),
    ("Package thefts", 17, "Big Deals", "", "Cheap watches at http://deals.example "
     "http://deals.example/2 http://deals.example/3 click now!", "block"),
    ("Shop with a Cop", 12, "Marisol", "", "We did this last year and my son still talks about "
     "it. Thank you!", "approve"),
    ("Shop with a Cop", 12, "T. Nguyen", "", "This has nothing to do with anything but when "
     "are you fixing the pothole on my street?", "hide:2"),
    ("Beat 122", 5, "Ray K.", "", "Will there be someone there who can talk about the car "
     "break-ins on Jackson?", "approve"),
    ("Holiday safety talk", 2, "Ellen", "", "Is the talk recorded for people who can't come "
     "in person?", ""),
    ("Holiday safety talk", 2, "Frank", "", "My neighbour at 1432 W Fulton St is the one "
     "stealing packages, his number is 312-555-0199.", ""),
    ("Beat 122", 1, "Pat", "", "Whoever runs this page is a moron.", ""),
    ("Beat 122", 1, "Sal", "", "Somebody should burn the precinct down.", ""),
    ("Several garage burglaries", 0.4, "Concerned Neighbor", "", "All immigrants are "
     "criminals, and it's time this page said so.", ""),
    ("Holiday safety talk", 1, "Kim", "", "What a load of bullshit, nobody reads this.", ""),
    ("Beat 122", 0.8, "Work From Home", "", "Earn $500 a day from home! http://jobs.example "
     "http://jobs.example/a http://jobs.example/b http://jobs.example/c", ""),
    ("Holiday safety talk", 0.5, "Sam T.", "", "Is this the towing scam again? My car got "
     "towed from the lot last week.", ""),
    ("Warming centers", 20, "Deb", "", "Are pets allowed at the warming centers?",
     "approve+reply"),
    ("Hot chocolate", 1, "J. Brooks", "", "Will there be marshmallows? Asking for my kids.", ""),
    ("Lock it or lose it", 27, "Howard", "", "Stop blaming victims; catch the thieves.",
     "approve"),
    ("Coffee with a Cop this Saturday", 19, "Nina", "", "Great event, the officers were "
     "really friendly.", ""),
    ("Scam alert", 22, "Oscar", "", "Got one of these calls yesterday. Thanks for the "
     "warning.", "reply"),
    ("Several garage burglaries", 0.5, "Alley watcher", "", "Saw two guys with a van in the "
     "alley at 3 am, I called 911.", ""),
    ("Thank you, Near West", 6, "L. Ortiz", "", "These posts are useless, you people are "
     "pathetic idiots.", "hide:3"),
]
REPLIES = {
    "Dana W.": "Yes: the library lot is free after 6 pm, and the 22 bus stops at the door.",
    "Grace P.": "The station front desk can't take packages, but most pharmacies nearby offer "
                "free pickup lockers.",
    "Deb": "Pets in carriers are welcome at the district station; the library can't take "
           "them.",
    "Oscar": "Thank you for telling us. If they call again, hang up and report the number to "
             "the non-emergency line.",
}


def _demo_comments(session: Session, people: dict[str, User], month: _Month) -> None:
    """Visitor comments across the month in every moderation state, with official replies."""
    version = terms.current_terms(session).number
    month.clock.ago(30)
    moderation.add_keyword(session, _as(people, "admin"), "towing scam", "hold")
    published = {p.current_revision.body: p for p in session.scalars(
        select(Post).where(Post.state == PostState.PUBLISHED))}
    for index, (starts, days, name, email, body, outcome) in enumerate(COMMENTS):
        post = next(p for text, p in published.items() if text.startswith(starts))
        number = post.district.number
        sergeant = _as(people, f"d{number}.sergeant")
        month.clock.ago(days, hours=1)
        comment = comments.submit_comment(
            session, Actor(None, f"203.0.113.{index + 10}"), post.id,
            comments.CommentSubmission(name=name, email=email, body=body, accepted_terms=True,
                                       terms_version=version))
        if not outcome:
            continue
        month.clock.ago(days, hours=0.5)
        if outcome.startswith("approve"):
            if comment.state.value == "held":
                moderation.moderate(session, sergeant, comment.id, "approve", comment.version)
        if outcome.endswith("reply"):
            moderation.reply_as_district(session, _as(people, f"d{number}.rep1"), comment.id,
                                         REPLIES[name])
        elif outcome.startswith(("hide:", "remove:")):
            action, clause = outcome.split(":")
            moderation.moderate(session, sergeant, comment.id, action, comment.version,
                                clause_number=clause)
        elif outcome == "block":
            moderation.moderate(session, sergeant, comment.id, "remove", comment.version,
                                clause_number="6")
            moderation.block_commenter(session, sergeant, comment.id, moderation.BlockRequest(
                by_email=False, by_network=True, prefix=None, days=90,
                reason="Posted the same advertising links on several posts."))


# --- media inquiries -----------------------------------------------------------------------------

# (days ago, hours, logged by, outlet, reporter, contact, question, post it is about (text starts
# with) or None, News Affairs' answer a day later or None)
INQUIRIES = [
    (21, 0, "d1.rep1", "Demo City Tribune", "Alex Moreno", "amoreno@tribune.example",
     "How many catalytic converter thefts has Central had this year?",
     "Officers arrested two people after a string of catalytic converter thefts near the "
     "riverfront", "Central recorded 212 catalytic converter thefts through October, down 18% "
     "on last year. Figures come from the department's public data portal."),
    (7, 3, "d7.sergeant", "WDCT Channel 5", "Priya Shah", "+1 312-555-0142",
     "Can you confirm the age of the man wounded near 63rd and Halsted, and whether anyone is "
     "in custody?", "Officers responded to a shooting", None),
    (1, 2, "d1.rep1", "Riverfront Weekly", "Dee Carter", "dcarter@rfweekly.example",
     "How many officers will be on foot patrol for the Riverwalk winter lights?",
     "The Riverwalk winter lights", None),
    (0.4, 0, "d12.rep1", "Near West Gazette", "Tom Becker", "tbecker@gazette.example",
     "Is the district planning extra patrols in the alleys off Loomis after the garage "
     "burglaries?", None, None),
]


def _demo_inquiries(session: Session, people: dict[str, User], month: _Month) -> None:
    """Media inquiries logged by district staff: one answered, the rest open for News Affairs."""
    bodies = {p.current_revision.body: p.id for p in session.scalars(select(Post))}
    for days, hours, login, outlet, reporter, contact, question, about, answer in INQUIRIES:
        month.clock.ago(days, hours=hours)
        post_id = next(i for body, i in bodies.items() if body.startswith(about)) \
            if about else None
        inquiry = inquiries.log_inquiry(session, _as(people, login), inquiries.InquiryData(
            outlet=outlet, reporter=reporter, contact=contact, question=question,
            post_id=post_id))
        if answer:
            month.clock.ago(days - 1, hours=hours)
            inquiries.respond(session, _as(people, "news"), inquiry, answer)


# --- records -------------------------------------------------------------------------------------

def _received_for_due(month: _Month, due_on, earliest_days: int = 30) -> datetime:
    """A receipt time, in the past, whose request falls due on ``due_on`` (or the nearest
    business day after it the rules allow)."""
    zone = clock.zone(month.timezone)
    today = month.clock.real_now.astimezone(zone).date()
    for back in range(1, earliest_days):
        day = today - timedelta(days=back)
        if due_date(day, month.rules) <= due_on:
            return datetime(day.year, day.month, day.day, 10, 15, tzinfo=zone).astimezone(UTC)
    raise AssertionError("no receipt date gives that due date")


def _demo_records(session: Session, people: dict[str, User], month: _Month) -> None:
    """Requests at every stage: received, searching (overdue), waiting for the requester,
    under review (due the next business day), extended, released in full and in part (with
    their packages), denied under an exemption and withdrawn; a legal hold, a saved search and
    a proposed disposition."""
    officer = _as(people, "records")
    rules, zone = month.rules, month.timezone

    def request(received_at: datetime, name: str, contact: str, description: str,
                via: ReceivedVia = ReceivedVia.EMAIL) -> RecordsRequest:
        month.clock.now = max(received_at, month.clock.now or received_at)
        return records.create_request(session, officer, records.RequestData(
            requester_name=name, requester_contact=contact, received_via=via,
            received_at=received_at, description=description), rules, zone)

    def step(request: RecordsRequest, days: float, state: RequestState, note: str = "",
             **extra) -> None:
        month.clock.ago(days)
        records.change_state(session, officer, request, state, note, **extra)

    def gather(request: RecordsRequest, criteria: SearchCriteria) -> None:
        """Search the archive, attach what it finds and review it."""
        records.change_state(session, officer, request, RequestState.SEARCHING)
        records.attach_search_results(session, officer, request, criteria)
        records.change_state(session, officer, request, RequestState.REVIEWING)

    def release_to(request: RecordsRequest, recipient: str) -> None:
        if month.release_root is not None:
            release.build_release(session, officer, request, root=month.release_root,
                                  released_to=recipient, media_root=month.media_root)

    exemptions = records.active_exemptions(session)
    # Illinois 5 ILCS 140/7(1)(b): private information (home addresses, personal phones).
    private = next((e for e in exemptions if e.code == "7(1)(b)"), exemptions[0])
    # Released in full, with its package.
    released = request(month.clock.ago(26), "Jamie Fuller, Demo City Tribune",
                       "jfuller@tribune.example", "Every post and comment on the Englewood "
                       "district page about the bike safety day.")
    month.clock.ago(25)
    gather(released, SearchCriteria(text="bike safety", district_id=_district_id(people, 7)))
    month.clock.ago(24)
    release_to(released, "Jamie Fuller (by e-mail)")
    if month.release_root is not None:
        # Published in the public reading room, without the requester's name.
        month.clock.ago(23.5)
        reading_room.publish(
            session, officer,
            session.scalars(select(Release).where(Release.request_id == released.id)).one(),
            subject="Englewood bike safety day: posts and comments",
            summary="Every post and visitor comment on the Englewood district page about the "
                    "bike safety day, with the moderation history.",
            scope="public_parts", root=month.release_root, media_root=month.media_root)
    # Denied under an exemption.
    denied = request(month.clock.ago(23), "R. Vance", "rvance@example.net",
                     "The home addresses of every officer who posted on the Central page.",
                     ReceivedVia.WEB_FORM)
    step(denied, 22, RequestState.DENIED, "Officers' home addresses are private information.",
         exemption_id=private.id)
    # Overdue: still being searched.
    overdue = request(month.clock.ago(16), "Community Policing Council, Beat 111",
                      "council111@example.org", "Comments removed from the Central page in "
                      "October, with the clause cited for each.", ReceivedVia.MAIL)
    step(overdue, 15, RequestState.SEARCHING)
    # Withdrawn by its requester.
    withdrawn = request(month.clock.ago(12), "Jordan Ellis", "jellis@example.com",
                        "Any video of the holiday parade posted by the department.")
    step(withdrawn, 11, RequestState.WITHDRAWN, "The requester wrote that the department's "
         "published posts answered the question, and withdrew the request.")
    # Extended once, due later.
    extended = request(month.clock.ago(6), "Legal Aid Clinic", "intake@legalaid.example",
                       "All media inquiries logged about the 63rd and Halsted shooting.")
    step(extended, 5, RequestState.SEARCHING)
    if rules.allows_extension():
        records.extend_request(session, officer, extended, rules,
                               "The records need review by the department's counsel.")
    # Waiting for the requester: a request too broad to answer in time, narrowing offered.
    broad = request(month.clock.ago(3), "Open Data Collective", "foia@opendata.example",
                    "Every comment ever posted on any district page, with its moderation "
                    "history.", ReceivedVia.WEB_FORM)
    step(broad, 2, RequestState.SEARCHING)
    records_tolling.offer_narrowing(
        session, officer, broad, rules, "The archive holds every comment since the pages "
        "opened; we can send this year's comments of one district, or the removed ones only, "
        "within the time the law gives. Which would you like?", timezone=zone)
    # Due the next business day, under review with records attached.
    today = month.clock.real_now.astimezone(clock.zone(zone)).date()
    due_soon = request(_received_for_due(month, add_business_days(today, 1, rules)),
                       "Maria Lopez", "+1 312-555-0177", "Posts and replies about the Riverwalk "
                       "winter lights.", ReceivedVia.IN_PERSON)
    gather(due_soon, SearchCriteria(text="winter lights"))
    # Released in part: a visitor's comment gave a neighbour's address and phone number.
    in_part = request(month.clock.ago(0.45), "Beat 111 Block Club", "blockclub111@example.org",
                      "Every comment on the Central post about the holiday safety talk, "
                      "including comments not shown on the page.")
    gather(in_part, SearchCriteria(text="Fulton", district_id=_district_id(people, 1)))
    item = next(i for i in records.snapshot_page(session, in_part, per_page=500).items
                if "1432 W Fulton St" in str(records.item_content(i)))
    for passage in ("1432 W Fulton St", "312-555-0199"):
        records.add_redaction(session, officer, in_part, item, exemption_id=private.id,
                              kind="text", text=passage,
                              note="A private person's address and phone number.")
    month.clock.ago(0.35)
    release_to(in_part, "Beat 111 Block Club (by e-mail)")
    # Just received on the public site's form; the requester follows it on a tracking page.
    month.clock.ago(0, hours=3)
    records_portal.submit_request(session, Actor(None), records_portal.PortalSubmission(
        name="Ken Adams", email="kadams@example.com", delivery="email",
        description="The moderation report for the Near West page, last quarter."), rules, zone)
    # A legal hold over Central's records for a lawsuit about the parade.
    month.clock.ago(10)
    retention.create_hold(session, officer, retention.HoldData(
        reason="Lawsuit over the holiday parade street closure: keep every Central post of the "
               "parade weeks.", case_number="2026-CV-04127",
        district_id=_district_id(people, 1), record_type="post",
        since=(month.clock.real_now - timedelta(days=30)).date(),
        until=(month.clock.real_now - timedelta(days=20)).date()))
    archive_search.save_search(session, officer, "Removed comments, all districts",
                               SearchCriteria(record_type="comment", state="removed"))
    # Routine media contacts are kept two weeks in the demo, so a disposition is proposed.
    retention.create_schedule(session, _as(people, "admin"), record_type="media_inquiry",
                              period_amount=14, period_unit="days",
                              authority="Demo City records schedule, item 12 (routine media "
                                        "contacts), demo value")
    month.clock.today()
    retention.propose_run(session, officer)


# --- representatives ---------------------------------------------------------------------------

def _demo_rotation(session: Session, people: dict[str, User], month: _Month) -> None:
    """Central's commander ends a designation: one place is open for Morgan Standby, and
    Jordan Rep 1 is told on the dashboard that they no longer post for the district."""
    month.clock.ago(0.6)
    commander = people["d1.commander"]
    leaving = people["d1.rep2"]
    designation = session.scalar(select(RepresentativeDesignation).where(
        RepresentativeDesignation.user_id == leaving.id,
        RepresentativeDesignation.ended_at.is_(None)))
    representatives.end_designation(session, Actor(commander, SEED_ADDR), commander.district,
                                    designation.id, "Transferred to the district's tactical "
                                    "team from December 1.")


# --- duty hours and registered devices --------------------------------------------------------

def _demo_duty_hours(session: Session, people: dict[str, User]) -> None:
    """Englewood's commander sets Jordan Rep 7's duty hours (weekday days, and Friday's night
    shift into Saturday); no other representative has any, so they post at any hour. Registered
    devices are not required in the demo (the demo's browser is not a registered device, and
    an administrator can enrol it from Registered devices)."""
    from . import duty_hours

    commander = people["d7.commander"]
    days = [duty_hours.DayHours(day, "07:00", "15:00") for day in range(4)]
    days.append(duty_hours.DayHours(4, "22:00", "06:00"))
    duty_hours.set_hours(session, Actor(commander, SEED_ADDR), people["d7.rep2"], days)


# --- permissions that allow a blocking finding ------------------------------------------------

def _demo_check_waivers(session: Session, people: dict[str, User], month: _Month) -> None:
    """Central's wanted poster, whose photo the author can't attest, goes out with the Chief's
    written permission recorded by the commander; Englewood's charity run thanks its sponsor
    with News Affairs' exception, which the representative asked for."""
    from dataclasses import replace as _replace

    from . import check_waivers

    store = media.MediaStore(Path(month.media_root)) if month.media_root else None
    month.clock.ago(4)
    author = _as(people, "d1.rep2")
    wanted = posts.create_post(session, author, author.user.district, posts.PostData(
        category=C.WANTED_PERSON, body="Wanted: the man in this photo is sought on a warrant "
        "for the armed robbery of a store on Clark Street. Do not approach him; call 911.",
        new_images=[_replace(i, attested=False)
                    for i in _images(store, "Wanted: Clark Street robbery", 91, 1)],
        valid_until=clock.utcnow() + timedelta(days=21)))
    for image in wanted.current_revision.images:
        month.clock.ago(4, hours=-0.5)
        check_waivers.record_image_permission(
            session, _as(people, "d1.commander"), wanted, image.asset_id,
            granted_by="Deputy Chief Dana Whitfield",
            given_on=clock.utcnow().astimezone(clock.department_zone()).date(),
            reason="Arrest warrant issued; the public may help find him.")
    if not posts.unmet_requirements(wanted):
        posts.submit(session, author, wanted)
        if wanted.state is PostState.AWAITING_NEWS_AFFAIRS:
            posts.approve(session, _as(people, "news"), wanted, "Approved as written.")
        month.clock.ago(4, hours=-1)
        assert posts.publish(session, author, wanted) is None

    month.clock.ago(3)
    author = _as(people, "d7.rep1")
    run = posts.create_post(session, author, author.user.district, posts.PostData(
        category=C.COMMUNITY_EVENT, body="Run with Englewood's officers on Saturday at 9 am in "
        "Hamilton Park for the children's hospital. Thanks to our sponsor Joe's Diner for the "
        "water and the finish-line breakfast!", valid_until=clock.utcnow() + timedelta(days=4)))
    allowed = [f for f in check_waivers.waivable_findings(run)
               if f.kind is check_waivers.WaiverKind.NEWS_AFFAIRS]
    for finding in allowed:
        check_waivers.request_exception(session, author, run, finding.rule, finding.quote,
                                        "The diner sponsors the charity run; the organisers "
                                        "asked us to thank them.")
        month.clock.ago(3, hours=-1)
        check_waivers.record_exception(session, _as(people, "news"), run, finding.rule,
                                       finding.quote, "Charity run sponsor: thanked, not "
                                       "promoted.")
    if not posts.unmet_requirements(run):
        posts.submit(session, author, run)
        if run.state is PostState.AWAITING_NEWS_AFFAIRS:
            posts.approve(session, _as(people, "news"), run, "Approved as written.")
        month.clock.ago(3, hours=-2)
        assert posts.publish(session, author, run) is None
