"""What a check reports, and what it is given to look at."""
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from types import MappingProxyType


class Severity(StrEnum):
    BLOCKING = "blocking"  # the post can't be released until the text (or image) changes
    WARNING = "warning"    # the author acknowledges it with a reason; reviewers see that
    NOTABLE = "notable"    # the post must go to News Affairs before release

    @property
    def label(self) -> str:
        return {"blocking": "Blocking", "warning": "Warning",
                "notable": "Forces News Affairs review"}[self.value]


@dataclass(frozen=True)
class Finding:
    rule: str       # stable code, e.g. "guilt", "personal_info", "image_alt", "notable"
    severity: Severity
    clause: str     # the department's directive, with the source policy clauses as reference
    title: str      # short human title
    message: str    # what to do about it
    quote: str      # the exact words that triggered it (for an image: its label)
    start: int | None = None  # span in the text, in code points (Python string indices)
    end: int | None = None
    # What allows a blocking finding after all, as reviewers read it ("Exception approved by
    # News Affairs ..."); empty when nothing does. See ``Waiver``.
    waiver: str = ""

    @property
    def is_waived(self) -> bool:
        return bool(self.waiver)

    def as_dict(self) -> dict:
        """A JSON-able dict, for storing with a revision."""
        data = asdict(self)
        data["severity"] = self.severity.value
        if not self.waiver:
            del data["waiver"]  # most findings have none; stored findings stay as they were
        return data

    @classmethod
    def from_dict(cls, data: Mapping) -> "Finding":
        return cls(rule=data["rule"], severity=Severity(data["severity"]), clause=data["clause"],
                   title=data["title"], message=data["message"], quote=data["quote"],
                   start=data.get("start"), end=data.get("end"),
                   waiver=data.get("waiver") or "")


@dataclass(frozen=True)
class ImageFacts:
    """What the checks need to know about one attached image."""

    label: str      # file name or other name the author recognises
    alt_text: str
    credit: str     # credit / rights statement
    attested: bool  # the uploader attests it shows no prohibited subject (Detroit 4.6-4.7)
    key: str = ""   # what a waiver names the image by (its media asset id), when it has one


class WaiverKind(StrEnum):
    """Who may allow a blocking finding of a rule that admits an exception (``Rule.waiver``)."""

    NEWS_AFFAIRS = "news_affairs"          # an exception News Affairs approved for this post
    EMPLOYEE_CONSENT = "employee_consent"  # the employee's recorded consent to their details
    IMAGE_PERMISSION = "image_permission"  # the written permission the directives require


@dataclass(frozen=True)
class Waiver:
    """A recorded permission that allows one blocking finding: the finding of rule ``rule``
    whose quote is ``match`` (compared without regard to case or spacing), or for an image
    finding, the image whose ``ImageFacts.key`` is ``match``. ``kind`` must be the rule's own
    ``Rule.waiver``; ``text`` is what reviewers are shown (who allowed it, when and why)."""

    kind: WaiverKind
    rule: str
    match: str
    text: str


@dataclass(frozen=True)
class CheckContext:
    """Department facts that make some text acceptable, and admin-added phrases."""

    official_phones: frozenset[str] = frozenset()         # E.164, e.g. "+13127466000"
    official_email_domains: frozenset[str] = frozenset()  # e.g. "pd.example.gov"
    official_addresses: frozenset[str] = frozenset()      # department and district addresses
    extra_terms: Mapping[str, Sequence[str]] = field(
        default_factory=lambda: MappingProxyType({}))      # rule code -> admin-added phrases
    region: str = "US"                                    # default region for phone numbers
    directive_name: str = ""  # the department's name for its directive, cited by findings
    waivers: Sequence[Waiver] = ()  # recorded permissions for this post (see ``Waiver``)
    # rule code -> (directive name, section) the department cites first for that rule; an
    # empty directive name means ``directive_name`` (see ``.citations.citation``)
    rule_sections: Mapping[str, tuple[str, str]] = field(
        default_factory=lambda: MappingProxyType({}))
