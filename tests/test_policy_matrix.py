"""docs/policy-matrix.md says what it claims: every test it names exists, every clause a check
rule cites is one of its rows for official accounts, and every section it cites is in the
policy text (/work/shared/policies, beside the checkout)."""
import re
from functools import lru_cache
from pathlib import Path

import pytest

from beatdesk.checks import engine, rules
from beatdesk.checks.citations import DOCUMENTS, sources

ROOT = Path(__file__).parents[1]
MATRIX = ROOT / "docs" / "policy-matrix.md"
POLICIES = ROOT.parent / "shared" / "policies"
OFFICIAL, OUT_OF_SCOPE = "## Official accounts", "## Out of scope"
STATUSES = ("implemented", "partial", "out of scope")

# Which file holds which document, and where in it the document starts and ends (the Chicago
# file holds three directives one after the other).
FILES = {
    DOCUMENTS["Detroit"]: ("000_720819d7eef4f5c7.txt", None, None),
    DOCUMENTS["Deerfield"]: ("001_10e3301ad105af61.txt", None, None),
    DOCUMENTS["Chicago Use of Social Media Outlets"]: (
        "002_ea41c6bb31442283.txt", None, "**SOCIAL MEDIA OUTLET: TWITTER**"),
    DOCUMENTS["Chicago Twitter"]: ("002_ea41c6bb31442283.txt", "**SOCIAL MEDIA OUTLET: TWITTER**",
                                   "DEPLOYMENT OPERATIONS CENTER Special Order"),
    DOCUMENTS["Chicago DOC"]: ("002_ea41c6bb31442283.txt",
                               "DEPLOYMENT OPERATIONS CENTER Special Order", None),
    DOCUMENTS["Massachusetts"]: ("003_e80e13cc921ec45f.txt", None, None),
    DOCUMENTS["Model policy"]: ("004_c64c206f37dc961a.txt", None, None),
}


# --- reading the matrix ---------------------------------------------------------------------


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


@lru_cache(maxsize=1)
def tables() -> dict[str, list[list[str]]]:
    """Rows (as cells) of the table under each ``## `` heading, header and rule left out."""
    found: dict[str, list[list[str]]] = {}
    heading = ""
    for line in MATRIX.read_text("utf-8").splitlines():
        if line.startswith("## "):
            heading = line.split(":")[0].strip()
            found[heading] = []
        elif heading and line.startswith("|"):
            found[heading].append(_cells(line))
    return {h: rows[2:] for h, rows in found.items()}  # the header and its |---| line


def short_clause(cell: str) -> str:
    """A matrix source ("Detroit 102.8 §4.4.c") in the rules' short form ("Detroit
    102.8-4.4.c"), for ``citations.sources``."""
    clause = cell.replace(" §", " ", 1)
    return re.sub(r"^Detroit 102\.8 ", "Detroit 102.8-", clause)


_ITEM = re.compile(r"\s*\(item \d+\)")


def labels(section: str) -> list[str]:
    """The sections one cited section names: "IV.A.4.b.3 and IV.A.4.c" -> both; "4.6.c-d" ->
    4.6.c and 4.6.d; a description in brackets is dropped, an item number ("IV.A (item 3)")
    is kept."""
    found = []
    for part in re.split(r"\s+and\s+|;\s*", section):
        item = _ITEM.search(part)
        part = re.sub(r"\s*\([^)]*\)", "", part).strip()
        if not part:
            continue
        if part.startswith("Addendum"):
            found.append(part)
            continue
        token = part.split()[0].rstrip(",")
        if item:
            token += item.group(0)
        if re.fullmatch(r"[\w.]+\.(\w+)-(\w+)", token):
            stem, first, last = re.fullmatch(r"([\w.]+\.)(\w+)-(\w+)", token).groups()
            if first.isdigit() and last.isdigit():
                found.extend(f"{stem}{n}" for n in range(int(first), int(last) + 1))
            else:
                found.extend(f"{stem}{chr(c)}" for c in range(ord(first), ord(last) + 1))
        else:
            found.append(token)
    return found


def keys(clause: str) -> set[tuple[str, str]]:
    """(document, section) for every section a short clause cites; standards (WCAG) have none."""
    return {(source.document, label) for source in sources(clause) if source.section
            for label in labels(source.section)}


def rows(heading: str) -> list[list[str]]:
    return tables()[heading]


def row_keys(heading: str) -> set[tuple[str, str]]:
    return {key for row in rows(heading) for key in keys(short_clause(row[0]))}


def rule_clauses() -> dict[str, str]:
    """What each check rule cites, read live: every Rule.clause, and the kinds of personal
    information the engine cites separately."""
    cited = {f"rule {rule.code}": rule.clause for rule in rules.RULES}
    for kind, value in getattr(engine, "_PERSONAL_KINDS", {}).items():
        cited[f"personal information kind {kind}"] = value[1]
    return cited


# --- finding a section in the policy text ---------------------------------------------------

_ROMAN = ["i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii", "xiii"]


def _next(component: str) -> list[str]:
    """What the next item at the same level is called ("4" -> "5", "b" -> "c", "iv" -> "v",
    "IV" -> "V"; "i" may be a letter or a numeral, so both)."""
    if component.isdigit():
        return [str(int(component) + 1)]
    following = []
    lower = component.lower()
    if lower in _ROMAN[:-1]:
        numeral = _ROMAN[_ROMAN.index(lower) + 1]
        following.append(numeral.upper() if component.isupper() else numeral)
    if len(component) == 1 and component.isalpha() and component.lower() != "z":
        following.append(chr(ord(component) + 1))
    return following


def _marker(component: str, punctuation: str = "[.)]") -> re.Pattern:
    """An item marker at the start of a line or right after bold text: "IV.", "- a.", "3)"."""
    return re.compile(r"(?:^|\*\*)[ \t>*#\-]*" + re.escape(component) + f"({punctuation})"
                      + r"(?=[\s*])", re.MULTILINE)


def _detroit_heading(number: str) -> re.Pattern:
    return re.compile(r"102\.8\s*[-–]\s*" + re.escape(number) + r"(?![.\d])")


_ANY_DETROIT_HEADING = re.compile(r"102\.8\s*[-–]\s*\d+(?:\.\d+)?(?![.\d])")


@lru_cache(maxsize=None)
def document_text(document: str) -> str:
    name, start, end = FILES[document]
    text = (POLICIES / name).read_text("utf-8")
    begin = text.index(start) if start else 0
    stop = text.index(end, begin + 1) if end else len(text)
    return text[begin:stop]


def section_exists(document: str, label: str) -> bool:
    """Is ``label`` a section of ``document``: each part an item inside the one before it.

    The texts are flattened (indentation lost), so an item ends where its next sibling starts;
    inside deeply nested lists a marker may be taken from a neighbouring list, so a deep label
    passes when some list under its parent has the item (the upper levels are exact)."""
    text = document_text(document)
    label = _ITEM.sub("", label)
    if label.startswith("Addendum"):
        return label in text
    components = label.split(".")
    start, end = 0, len(text)
    if document == DOCUMENTS["Detroit"]:
        heading = ".".join(components[:2])
        match = _detroit_heading(heading).search(text)
        if match is None:
            return False
        later = _ANY_DETROIT_HEADING.search(text, match.end())
        start, end = match.end(), later.start() if later else len(text)
        components = components[2:]
    return _items_found(text, components, start, end)


def _items_found(text: str, components: list[str], start: int, end: int) -> bool:
    """Is there an item ``components[0]`` between ``start`` and ``end`` holding the rest? Every
    marker of that name is tried ("e)" in a list of images, then "e. Confidentiality")."""
    if not components:
        return True
    component, rest = components[0], components[1:]
    for match in _marker(component).finditer(text, start, end):
        siblings = [m.start() for c in _next(component)
                    for m in [_marker(c, re.escape(match.group(1))).search(text, match.end(), end)]
                    if m is not None]
        if _items_found(text, rest, match.end(), min(siblings, default=end)):
            return True
    return False


# --- the tests ------------------------------------------------------------------------------


def test_the_matrix_has_both_tables_and_every_row_a_known_source_and_status():
    assert rows(OFFICIAL) and rows(OUT_OF_SCOPE)
    seen = set()
    for row in rows(OFFICIAL):
        assert len(row) == 5, row
        source, requirement, feature, tested, status = row
        assert keys(short_clause(source)), f"{source}: no section"
        assert source not in seen, f"{source} is listed twice"
        seen.add(source)
        assert requirement and feature, source
        assert status.startswith(STATUSES), f"{source}: status {status!r}"
        if not status.startswith("implemented"):
            assert ":" in status and len(status.split(":", 1)[1].strip()) > 10, \
                f"{source}: say why it is {status}"
        if status.startswith(("implemented", "partial")):
            assert "`tests/" in tested, f"{source}: name the test that proves it"
    for row in rows(OUT_OF_SCOPE):
        assert len(row) == 3 and all(row), row
        assert keys(short_clause(row[0])), row


def _named_tests() -> list[tuple[str, str]]:
    return [(row[0], ref) for row in rows(OFFICIAL)
            for ref in re.findall(r"`(tests/[^`]+)`", row[3])]


def test_every_test_the_matrix_names_exists():
    missing = []
    for source, ref in _named_tests():
        path, _, name = ref.partition("::")
        file = ROOT / path
        if not file.is_file():
            missing.append(f"{source}: {path} does not exist")
        elif name and not re.search(rf"^\s*(?:async\s+)?def {re.escape(name)}\(",
                                    file.read_text("utf-8"), re.MULTILINE):
            missing.append(f"{source}: {path} has no test {name}")
    assert not missing, "\n".join(sorted(set(missing)))


def test_every_clause_a_rule_cites_is_a_row_for_official_accounts():
    official, out_of_scope = row_keys(OFFICIAL), row_keys(OUT_OF_SCOPE)
    problems = []
    for who, clause in rule_clauses().items():
        for document, section in sorted(keys(clause) - official):
            why = (" (listed as out of scope: it governs personal accounts or investigations)"
                   if (document, section) in out_of_scope else "")
            problems.append(f"{who} cites {document} §{section}, not in the matrix{why}")
    assert not problems, "\n".join(problems)


def test_every_section_the_matrix_cites_is_in_the_policy_text():
    if not POLICIES.is_dir():
        pytest.skip(f"the policy texts are not beside the checkout ({POLICIES} is absent)")
    absent = [f"{row[0]}: {document} has no section {section}"
              for heading in (OFFICIAL, OUT_OF_SCOPE) for row in rows(heading)
              for document, section in sorted(keys(short_clause(row[0])))
              if not section_exists(document, section)]
    assert not absent, "\n".join(absent)


@pytest.mark.skipif(not POLICIES.is_dir(), reason="the policy texts are not beside the checkout")
@pytest.mark.parametrize("document,section,exists", [
    (DOCUMENTS["Detroit"], "4.4.c", True), (DOCUMENTS["Detroit"], "4.7.2", True),
    (DOCUMENTS["Detroit"], "4.4.f", False), (DOCUMENTS["Detroit"], "4.13", False),
    (DOCUMENTS["Detroit"], "4.7.3", False),
    (DOCUMENTS["Deerfield"], "C.a.iii", True), (DOCUMENTS["Deerfield"], "C.a.ix", False),
    (DOCUMENTS["Deerfield"], "Addendum A", True), (DOCUMENTS["Deerfield"], "G", False),
    (DOCUMENTS["Chicago Twitter"], "V.B.2", True), (DOCUMENTS["Chicago Twitter"], "V.B.4", False),
    (DOCUMENTS["Chicago Twitter"], "IV.E", True), (DOCUMENTS["Chicago Twitter"], "IV.G", False),
    (DOCUMENTS["Chicago Use of Social Media Outlets"], "IV.B.6", True),
    (DOCUMENTS["Chicago Use of Social Media Outlets"], "IV.A.4", False),
    (DOCUMENTS["Massachusetts"], "IV.A.4.b.3.c", True),
    (DOCUMENTS["Massachusetts"], "IV.A.4.b.3.d", False),
    (DOCUMENTS["Massachusetts"], "IV.A.6.g", False),
    (DOCUMENTS["Massachusetts"], "IV.A.4.e.1", True),
    (DOCUMENTS["Massachusetts"], "IV.A.7", False),
    (DOCUMENTS["Model policy"], "IV.A (item 3)", True), (DOCUMENTS["Model policy"], "IV.F", False),
])
def test_the_section_finder_tells_real_sections_from_near_misses(document, section, exists):
    assert section_exists(document, section) is exists


@pytest.mark.parametrize("section,expected", [
    ("4.6.c-d and 4.7", ["4.6.c", "4.6.d", "4.7"]),
    ("IV.A.1-2", ["IV.A.1", "IV.A.2"]),
    ("IV.B.6 (privacy protections)", ["IV.B.6"]),
    ("IV.A (item 3)", ["IV.A (item 3)"]),
    ("IV.A.4.b.3 and IV.A.4.c", ["IV.A.4.b.3", "IV.A.4.c"]),
])
def test_cited_sections_are_read_one_by_one(section, expected):
    assert labels(section) == expected


def test_a_clause_missing_from_the_matrix_would_be_named():
    official = row_keys(OFFICIAL)
    assert (DOCUMENTS["Detroit"], "4.4.c") in official
    assert not keys("Detroit 102.8-4.6.c") <= official  # personal accounts only
    assert not keys("Massachusetts IV.C.8.e") <= official
