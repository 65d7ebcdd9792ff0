"""Current, correct, valid (Chicago Twitter V.B.2): a post's end or review date, the sergeant's
"still current", and resolving missing-person and wanted notices.

The routes live under /console/posts/ on the posts blueprint (``views`` registers them there),
so the console's checks for the posts area apply to them unchanged.
"""
