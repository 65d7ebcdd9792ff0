"""How a finding names the policy behind it: the department's own directive first, by the name
the department gives it (``Department.directive_name``, set on the admin's department page),
then the source policies its rules are drawn from, as a reference.

A department may name its own directive and section for each rule (``RuleCitation``, set on
the admin's check citations page); ``CheckContext.rule_sections`` carries them as rule code ->
(directive name, section), and ``citation(..., rule=code, sections=...)`` puts them first::

    Social Media Directive 12 §4.b (source: Detroit Police Department Manual, Directive 102.8
    §4.4.c; ...)

The rules (``.rules``) keep their sources in a short form ("Detroit 102.8-4.4.c; Deerfield
C.a.iii; Chicago IV.B.2"); ``sources`` reads it into ``Source`` values naming each document in
full, and ``citation`` writes what a person sees::

    Social Media Directive 12 (source: Detroit Police Department Manual, Directive 102.8
    §4.4.c; Deerfield Police Department General Order 227 §C.a.iii; ...)

Other agencies' documents are only ever named as sources, never as this department's policy.
A rule that rests on a standard rather than a policy (WCAG for alt text) cites the standard.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

DEFAULT_DIRECTIVE = "The department's social media directive"
DIRECTIVE_NAME_MAX = 200
SECTION_MAX = 100

# Short name in the rules -> the source document's full name (see /work/shared/policies).
DOCUMENTS = {
    "Detroit": "Detroit Police Department Manual, Directive 102.8",
    "Deerfield": "Deerfield Police Department General Order 227 (Social Media)",
    "Chicago Twitter": "Chicago Police Department, Social Media Outlet: Twitter",
    "Chicago Use of Social Media Outlets": "Chicago Police Department, Use of Social Media Outlets",
    "Chicago": "Chicago Police Department, Use of Social Media Outlets",
    "Massachusetts": "Massachusetts model social media policy (draft)",
    "Model policy": "Model department social media policy (department-sponsored social media)",
    "Chicago DOC": "Chicago Police Department, Deployment Operations Center Special Order 15-01",
}
STANDARDS = ("WCAG",)  # cited as they are: a standard, not another agency's policy
# Longest first, so "Chicago Twitter" is not read as "Chicago".
_PREFIX = re.compile("^(" + "|".join(re.escape(k) for k in sorted(DOCUMENTS, key=len,
                                                                   reverse=True)) + r")\s+(.+)$")


@dataclass(frozen=True)
class Source:
    """One section of a source policy."""

    document: str  # the document's full name
    section: str   # e.g. "4.4.c", "IV.A.4.b.3 and IV.A.4.c"

    def __str__(self) -> str:
        return f"{self.document} §{self.section}"


@lru_cache(maxsize=256)
def sources(clause: str) -> tuple[Source, ...]:
    """The sources a rule's short clause names; a standard is kept as one Source without a
    section. Raises ValueError for a short name this module does not know."""
    found = []
    for part in (p.strip() for p in clause.split(";")):
        if not part:
            continue
        if part.startswith(STANDARDS):
            found.append(Source(part, ""))
            continue
        match = _PREFIX.match(part)
        if match is None:
            raise ValueError(f"unknown source policy in {part!r}")
        short, section = match.groups()
        if short == "Detroit" and section.startswith("102.8-"):
            section = section[len("102.8-"):]
        found.append(Source(DOCUMENTS[short], section))
    return tuple(found)


def source_reference(clause: str) -> str:
    """The source policies behind a short clause, named in full."""
    return "; ".join(str(s) if s.section else s.document for s in sources(clause))


def directive_label(name: str | None) -> str:
    """The department's directive as findings name it."""
    name = " ".join((name or "").split())
    return name or DEFAULT_DIRECTIVE


_SECTION_WORD = re.compile(r"^(?:§+|sections?\b\.?|sec\.)\s*", re.IGNORECASE)


def clean_section(section: str | None) -> str:
    """A section as findings show it: spaces collapsed, without a leading "§" or "Section"
    ("§ 4.b", "Section 4.b" -> "4.b")."""
    section = " ".join((section or "").split())
    return _SECTION_WORD.sub("", section).strip()


def department_label(directive_name: str | None, section: str | None = "") -> str:
    """The department's directive and, when it names one, its section ("Social Media Directive
    12 §4.b")."""
    label, section = directive_label(directive_name), clean_section(section)
    return f"{label} §{section}" if section else label


def citation(clause: str, directive_name: str = "", *, rule: str = "",
             sections: Mapping[str, tuple[str, str]] | None = None) -> str:
    """What a finding shows as its policy: the department's directive, then its sources.

    With ``rule`` and ``sections`` (``CheckContext.rule_sections``: rule code -> (directive
    name, section)), the department's own directive and section for that rule come first; an
    empty directive name there means the department's ``directive_name``."""
    section = ""
    own = sections.get(rule) if (rule and sections) else None
    if own:
        directive_name, section = (own[0] or directive_name), own[1]
    return _citation(clause, directive_name, section)


@lru_cache(maxsize=512)
def _citation(clause: str, directive_name: str, section: str) -> str:
    found = sources(clause)
    if found and all(not s.section for s in found) and not clean_section(section):
        return clause  # a standard only (WCAG), and no section of the department's own
    return f"{department_label(directive_name, section)} (source: {source_reference(clause)})"
