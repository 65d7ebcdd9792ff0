"""The release workflow of a post, as one table.

Each action names the states it may start from, the parties who may take it, and where it leads.
``beatdesk.posts`` applies the table; the database's CHECK constraints on ``posts`` back the
rules that matter most (no notable post public without approval of its current revision, no
self-approval).

    draft ──submit──▶ checked ──(notable)──▶ awaiting_news_affairs ──approve──▶ approved
      ▲                  │  └─ask sergeant──▶ awaiting_sergeant ──clear──▶ checked
      │                  └──publish / schedule (not notable)──▶ published / scheduled
      └── return (News Affairs or sergeant, with a note), or any edit
    approved ──publish / schedule──▶ published / scheduled ──(due, approval still valid)──▶ published
    scheduled ──(due, approval gone)──▶ held        published ──discontinue──▶ discontinued
    checked / approved / scheduled ──(checks re-run at release find new problems)──▶ held
    held ──acknowledge new warnings, submit──▶ checked or awaiting_news_affairs
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from .models import Post, PostState, User
from .roles import Role

S = PostState


class Action(StrEnum):
    EDIT = "edit"
    ACKNOWLEDGE = "acknowledge"
    SUBMIT = "submit"
    REQUEST_SERGEANT_REVIEW = "request_sergeant_review"
    SERGEANT_CLEAR = "sergeant_clear"
    SERGEANT_RETURN = "sergeant_return"
    APPROVE = "approve"
    RETURN = "return"
    REJECT = "reject"
    PUBLISH = "publish"
    SCHEDULE = "schedule"
    UNSCHEDULE = "unschedule"
    DISCONTINUE = "discontinue"
    MARK_REVIEWED = "mark_reviewed"

    @property
    def label(self) -> str:
        return ACTION_LABELS[self]


ACTION_LABELS = {
    Action.EDIT: "Edit", Action.ACKNOWLEDGE: "Acknowledge warning", Action.SUBMIT: "Submit",
    Action.REQUEST_SERGEANT_REVIEW: "Ask the sergeant to review",
    Action.SERGEANT_CLEAR: "Clear for release", Action.SERGEANT_RETURN: "Return to author",
    Action.APPROVE: "Approve", Action.RETURN: "Return with a note", Action.REJECT: "Reject",
    Action.PUBLISH: "Publish now", Action.SCHEDULE: "Schedule", Action.UNSCHEDULE: "Unschedule",
    Action.DISCONTINUE: "Discontinue", Action.MARK_REVIEWED: "Mark reviewed",
}


class Party(StrEnum):
    """Who may act, relative to the post."""

    AUTHORS = "authors"          # the district's designated representatives and its sergeant
    SERGEANT = "sergeant"        # the district's community policing sergeant
    NEWS_AFFAIRS = "news_affairs"


@dataclass(frozen=True)
class Transition:
    sources: frozenset[PostState]
    parties: frozenset[Party]
    target: PostState | None = None   # None: decided by the operation (see beatdesk.posts)
    not_notable: bool = False         # only for posts that need no News Affairs approval
    not_author: bool = False          # the post's author (or any revision's) may not take it


def _t(sources, parties, target=None, **flags) -> Transition:
    return Transition(frozenset(sources), frozenset(parties), target, **flags)


EDITABLE = (S.DRAFT, S.CHECKED, S.AWAITING_SERGEANT, S.AWAITING_NEWS_AFFAIRS, S.APPROVED,
            S.SCHEDULED, S.HELD, S.PUBLISHED)
RELEASABLE = (S.CHECKED, S.APPROVED)

TRANSITIONS: dict[Action, Transition] = {
    Action.EDIT: _t(EDITABLE, {Party.AUTHORS}, S.DRAFT),
    # A held post may carry warnings the checks found at release time: acknowledge them there.
    Action.ACKNOWLEDGE: _t({S.DRAFT, S.HELD}, {Party.AUTHORS}),
    Action.SUBMIT: _t({S.DRAFT, S.HELD}, {Party.AUTHORS}),  # checked or awaiting_news_affairs
    Action.REQUEST_SERGEANT_REVIEW: _t({S.CHECKED}, {Party.AUTHORS}, S.AWAITING_SERGEANT,
                                       not_notable=True),
    Action.SERGEANT_CLEAR: _t({S.AWAITING_SERGEANT}, {Party.SERGEANT}, S.CHECKED,
                              not_author=True),
    Action.SERGEANT_RETURN: _t({S.AWAITING_SERGEANT}, {Party.SERGEANT}, S.DRAFT),
    Action.APPROVE: _t({S.AWAITING_NEWS_AFFAIRS}, {Party.NEWS_AFFAIRS}, S.APPROVED,
                       not_author=True),
    Action.RETURN: _t({S.AWAITING_NEWS_AFFAIRS}, {Party.NEWS_AFFAIRS}, S.DRAFT),
    Action.REJECT: _t({S.AWAITING_NEWS_AFFAIRS}, {Party.NEWS_AFFAIRS}, S.REJECTED),
    Action.PUBLISH: _t(RELEASABLE, {Party.AUTHORS}, S.PUBLISHED),
    Action.SCHEDULE: _t(RELEASABLE, {Party.AUTHORS}, S.SCHEDULED),
    Action.UNSCHEDULE: _t({S.SCHEDULED}, {Party.AUTHORS}),  # back to checked or approved
    Action.DISCONTINUE: _t({S.PUBLISHED}, {Party.SERGEANT, Party.NEWS_AFFAIRS},
                           S.DISCONTINUED),
    Action.MARK_REVIEWED: _t({S.PUBLISHED, S.DISCONTINUED}, {Party.SERGEANT}),
}


def parties_of(user: User, post: Post, designated: bool) -> set[Party]:
    """The parties ``user`` belongs to for ``post``; ``designated``: holds an active designation."""
    if user is None or not user.active:
        return set()
    parties: set[Party] = set()
    in_district = user.district_id == post.district_id
    if user.role is Role.SERGEANT and in_district:
        parties |= {Party.SERGEANT, Party.AUTHORS}
    if user.role is Role.REPRESENTATIVE and in_district and designated:
        parties.add(Party.AUTHORS)
    if user.role is Role.NEWS_AFFAIRS:
        parties.add(Party.NEWS_AFFAIRS)
    return parties


def refusal(action: Action, post: Post, parties: set[Party], *, is_author: bool) -> str | None:
    """Why ``action`` is not possible now, as a sentence, or None when it is."""
    rule = TRANSITIONS[action]
    if not parties & rule.parties:
        return f"You may not {DOING[action]}."
    if rule.not_author and is_author:
        return "Nobody approves or clears their own post."
    if post.state not in rule.sources:
        return f"{A_POST_THAT_IS[post.state]} can't be {DONE[action]}."
    if rule.not_notable and post.notable:
        return "A notable-incident post goes to News Affairs, not to the sergeant."
    if action in (Action.PUBLISH, Action.SCHEDULE) and post.notable and not post.approval_current:
        return "A notable-incident post needs News Affairs' approval of this revision first."
    return None


# How an action and a state read inside a sentence. Labels are for buttons and badges: "You may
# not clear for release this post" and "A post that is awaiting news affairs" are what lowering
# them gave.
DOING = {
    Action.EDIT: "edit this post", Action.ACKNOWLEDGE: "acknowledge this post's warnings",
    Action.SUBMIT: "submit this post",
    Action.REQUEST_SERGEANT_REVIEW: "ask the sergeant to review this post",
    Action.SERGEANT_CLEAR: "clear this post for release",
    Action.SERGEANT_RETURN: "return this post to its author",
    Action.APPROVE: "approve this post", Action.RETURN: "return this post with a note",
    Action.REJECT: "reject this post", Action.PUBLISH: "publish this post",
    Action.SCHEDULE: "schedule this post", Action.UNSCHEDULE: "unschedule this post",
    Action.DISCONTINUE: "discontinue this post", Action.MARK_REVIEWED: "mark this post reviewed",
}

DONE = {
    Action.EDIT: "edited", Action.ACKNOWLEDGE: "acknowledged", Action.SUBMIT: "submitted",
    Action.REQUEST_SERGEANT_REVIEW: "sent to the sergeant", Action.SERGEANT_CLEAR: "cleared",
    Action.SERGEANT_RETURN: "returned", Action.APPROVE: "approved", Action.RETURN: "returned",
    Action.REJECT: "rejected", Action.PUBLISH: "published", Action.SCHEDULE: "scheduled",
    Action.UNSCHEDULE: "unscheduled", Action.DISCONTINUE: "discontinued",
    Action.MARK_REVIEWED: "marked reviewed",
}

A_POST_THAT_IS = {
    S.DRAFT: "A draft", S.CHECKED: "A post that passed the checks",
    S.AWAITING_SERGEANT: "A post waiting for the sergeant's review",
    S.AWAITING_NEWS_AFFAIRS: "A post waiting for News Affairs",
    S.APPROVED: "An approved post", S.SCHEDULED: "A scheduled post",
    S.HELD: "A post held at release", S.PUBLISHED: "A published post",
    S.DISCONTINUED: "A discontinued post", S.REJECTED: "A rejected post",
}
