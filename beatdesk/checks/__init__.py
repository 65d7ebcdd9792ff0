"""Policy checks: what a post's text and images are checked for before release.

``run_checks(text, images, context)`` is pure and returns ``Finding``s, each naming its rule,
severity, policy clause and the words that triggered it. ``RULES`` documents every rule for the
help page. Administrators extend the word lists with ``add_term``; ``context_for`` gathers the
department's official contact details and those phrases for a district's post.
"""
from .engine import has_blocking, is_notable, rule, run_checks, warnings
from .findings import CheckContext, Finding, ImageFacts, Severity, Waiver, WaiverKind
from .rules import EXTENDABLE_RULES, RULES, RULES_BY_CODE, Pattern, Rule
from .terms import (active_terms, add_term, can_manage_check_terms, context_for, deactivate_term,
                    get_term, list_terms)

__all__ = ["CheckContext", "EXTENDABLE_RULES", "Finding", "ImageFacts", "Pattern", "RULES",
           "RULES_BY_CODE", "Rule", "Severity", "active_terms", "add_term",
           "can_manage_check_terms", "context_for", "deactivate_term", "get_term",
           "has_blocking", "is_notable", "list_terms", "rule", "run_checks", "warnings",
           "Waiver", "WaiverKind"]
