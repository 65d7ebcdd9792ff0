"""The quick paths of ``sametext.spans`` (a passage absent from the folded text; ASCII text)
give exactly what the general, character-by-character matching gives."""
import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from beatdesk import sametext

TEXT = st.text(st.sampled_from("abcAB-5 ßKẞé\u0301İıσςΣ😀"), max_size=24)
ASCII = st.text(st.sampled_from("abcABC- 5"), max_size=30)


def _general(text: str, passage: str) -> list[tuple[int, int]]:
    """Both matchings of ``spans`` without its quick paths."""
    found = set()
    keyed, starts = sametext._per_char(text)
    for variant in {passage, unicodedata.normalize("NFC", passage),
                    unicodedata.normalize("NFD", passage)}:
        needle = "".join(sametext._char_key(c) for c in variant)
        if needle:
            for a in sametext._find_all(keyed, needle):
                found.add(sametext._widen(starts, a, a + len(needle)))
    needle = "".join(sametext.fold(passage[a:b]) for a, b in sametext._clusters(passage))
    if needle:
        clustered, table = sametext._per_cluster(text)
        key_starts = [entry[0] for entry in table] + [len(clustered)]
        for a in sametext._find_all(clustered, needle):
            first, last = sametext._widen(key_starts, a, a + len(needle))
            found.add((table[first][1], table[last - 1][2]))
    return sorted(found)


@given(TEXT, TEXT)
def test_any_text(text, passage):
    if text and passage:
        assert sametext.spans(text, passage) == _general(text, passage)


@given(ASCII, st.one_of(ASCII, TEXT))
def test_ascii_text(text, passage):
    if text and passage:
        assert sametext.spans(text, passage) == _general(text, passage)


def test_examples():
    assert sametext.spans("Call 555-0100 or 555-0100.", "555-0100") == [(5, 13), (17, 25)]
    assert sametext.spans("STRASSE", "Straße") == [(0, 7)]
    assert sametext.spans("plain words", "ß") == []
    assert sametext.spans("aaa", "aa") == [(0, 2), (1, 3)]
