"""Approvals of the department's outlets: district pages and platform accounts."""
