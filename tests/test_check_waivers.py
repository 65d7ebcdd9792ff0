"""A recorded waiver allows exactly the blocking finding it names, of a rule that admits one."""
from dataclasses import replace

from beatdesk.checks import (CheckContext, Finding, ImageFacts, Severity, Waiver, WaiverKind,
                             has_blocking, run_checks)
from beatdesk.checks import rules as rules_module
from beatdesk.checks.engine import _waiver_text

GUILTY = "The suspect is guilty."


def _waivable(monkeypatch, code: str, kind: WaiverKind):
    """Give one rule a waiver kind for the test, whatever the shipped rule set says."""
    rule = replace(rules_module.RULES_BY_CODE[code], waiver=kind)
    monkeypatch.setitem(rules_module.RULES_BY_CODE, code, rule)
    return rule


def test_a_rule_without_a_waiver_kind_is_never_waived(monkeypatch):
    rule = replace(rules_module.RULES_BY_CODE["guilt"], waiver=None)
    monkeypatch.setitem(rules_module.RULES_BY_CODE, "guilt", rule)
    waiver = Waiver(WaiverKind.NEWS_AFFAIRS, "guilt", "guilty", "Approved")
    findings = run_checks(GUILTY, context=CheckContext(waivers=(waiver,)))
    assert findings[0].waiver == "" and has_blocking(findings)


def test_a_matching_waiver_allows_the_finding_and_is_shown(monkeypatch):
    _waivable(monkeypatch, "guilt", WaiverKind.NEWS_AFFAIRS)
    waiver = Waiver(WaiverKind.NEWS_AFFAIRS, "guilt", "  GUILTY ", "Approved by News Affairs")
    findings = run_checks(GUILTY, context=CheckContext(waivers=(waiver,)))
    assert findings[0].severity is Severity.BLOCKING  # still listed for every reviewer
    assert findings[0].waiver == "Approved by News Affairs" and findings[0].is_waived
    assert not has_blocking(findings)
    assert Finding.from_dict(findings[0].as_dict()) == findings[0]


def test_a_waiver_of_another_kind_rule_or_quote_allows_nothing(monkeypatch):
    _waivable(monkeypatch, "guilt", WaiverKind.NEWS_AFFAIRS)
    for waiver in (Waiver(WaiverKind.EMPLOYEE_CONSENT, "guilt", "guilty", "x"),
                   Waiver(WaiverKind.NEWS_AFFAIRS, "political", "guilty", "x"),
                   Waiver(WaiverKind.NEWS_AFFAIRS, "guilt", "guilty of theft", "x"),
                   Waiver(WaiverKind.NEWS_AFFAIRS, "guilt", "", "x")):
        findings = run_checks(GUILTY, context=CheckContext(waivers=(waiver,)))
        assert has_blocking(findings), waiver


def test_an_image_waiver_names_the_image_by_its_key(monkeypatch):
    _waivable(monkeypatch, "image_attestation", WaiverKind.IMAGE_PERMISSION)
    images = [ImageFacts("wanted.jpg", "Photo of the wanted man", "Police", False, key="41"),
              ImageFacts("other.jpg", "Another photo", "Police", False, key="42")]
    waiver = Waiver(WaiverKind.IMAGE_PERMISSION, "image_attestation", "41", "Chief's permission")
    findings = run_checks("", images, CheckContext(waivers=(waiver,)))
    by_label = {f.quote: f for f in findings}
    assert by_label["wanted.jpg"].waiver == "Chief's permission"
    assert by_label["other.jpg"].waiver == "" and has_blocking(findings)
    unnamed = [ImageFacts("x.jpg", "alt", "credit", False)]  # no key: nothing can name it
    assert _waiver_text(rules_module.RULES_BY_CODE["image_attestation"], "", (waiver,)) == ""
    assert has_blocking(run_checks("", unnamed, CheckContext(waivers=(waiver,))))


def test_a_stored_finding_without_a_waiver_keeps_its_old_form():
    data = run_checks(GUILTY)[0].as_dict()
    assert "waiver" not in data and Finding.from_dict(data).waiver == ""
