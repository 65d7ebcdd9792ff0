"""Publishing to the department's platform accounts and bringing their replies back.

Public operations (each module's docstring says more):
- ``accounts``: connect, test and disconnect an account; credentials sealed at rest.
- ``outbox``: rows written with the change that causes them; claim, send, retry, receipts.
- ``worker``: the loop behind ``flask worker`` (outbox, due posts, inbound polling, digests).
- ``inbound``: replies, mentions and quotes stored as comments; moderation mirrored back.
- ``x``, ``mastodon``, ``bluesky``, ``local``: one connector per platform (``base.Connector``).
"""
