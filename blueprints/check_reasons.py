"""Reasons given in a form for publishing a text despite a check's warning.

A reply or statement form carries one ``ack-<rule>`` field per warning the checks raised (see
``templates/_macros/checks.html``); only rule codes the checks know are read.
"""
from flask import request

from beatdesk.checks import RULES_BY_CODE

PREFIX = "ack-"


def given_reasons() -> dict[str, str]:
    """rule code -> the reason typed for it, from the submitted form."""
    reasons = {}
    for name in request.form:
        rule = name[len(PREFIX):] if name.startswith(PREFIX) else ""
        if rule in RULES_BY_CODE:
            reasons[rule] = request.form.get(name, "")
    return reasons
