"""Beatdesk's domain: models and the rules that govern them.

Nothing in this package imports Flask's request or session; the web layer in
``blueprints/`` parses requests and hands the domain plain values.
"""
