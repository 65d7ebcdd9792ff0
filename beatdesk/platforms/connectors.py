"""Which connector serves an account: ``PLATFORM_CONNECTORS`` says.

- ``local`` (the default): every account uses the local connector; nothing leaves the machine.
- ``live``: each account uses its platform's connector (``x``, ``mastodon``, ``bluesky``), built
  from the account (base URL, account id) and its credentials, unsealed here and nowhere else.
- ``module:callable``: a factory of one's own, called as ``factory(account, config)`` (the test
  suite points the worker at stand-in servers this way).
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from importlib import import_module

from beatdesk import sealing
from beatdesk.models.platforms import Platform, PlatformAccount

from .base import Connector, PermanentError
from .local import LocalConnector

# Each platform's connector class: ``Class(base_url, credentials, account_ref, timeout=...)``.
PLATFORM_CLASSES = {Platform.X: ("beatdesk.platforms.x", "XConnector"),
                    Platform.MASTODON: ("beatdesk.platforms.mastodon", "MastodonConnector"),
                    Platform.BLUESKY: ("beatdesk.platforms.bluesky", "BlueskyConnector")}
# Used when an account names no base URL (a Mastodon account always names its instance).
DEFAULT_BASE_URLS = {Platform.X: "https://api.x.com", Platform.BLUESKY: "https://bsky.social"}


def credentials(account: PlatformAccount) -> dict:
    """The account's credentials, opened. Raises PermanentError if they cannot be read."""
    if not account.credentials:
        return {}
    try:
        return json.loads(sealing.unseal(account.credentials))
    except (sealing.SealingError, ValueError) as exc:
        raise PermanentError(f"the credentials of {account.label} cannot be opened with the "
                             "configured keys") from exc


def connector_for(account: PlatformAccount, config: Mapping) -> Connector:
    """The connector for ``account`` under the configured mode. Raises PermanentError for an
    unknown mode or a platform without a connector."""
    mode = (config.get("PLATFORM_CONNECTORS") or "local").strip()
    if mode == "local" or account.platform == Platform.LOCAL:
        return LocalConnector(account, config)
    if ":" in mode:
        module_name, _, name = mode.partition(":")
        return getattr(import_module(module_name), name)(account, config)
    if mode != "live":
        raise PermanentError(f"PLATFORM_CONNECTORS must be 'local' or 'live', not {mode!r}")
    platform = Platform(account.platform)
    module_name, class_name = PLATFORM_CLASSES[platform]
    try:
        cls = getattr(import_module(module_name), class_name)
    except (ImportError, AttributeError) as exc:
        raise PermanentError(f"no connector for {platform.label} is installed") from exc
    base_url = account.base_url or DEFAULT_BASE_URLS.get(platform, "")
    if not base_url:
        raise PermanentError(f"{account.label} names no server address")
    return cls(base_url, credentials(account), account.account_ref,
               timeout=config.get("PLATFORM_TIMEOUT_SECONDS", 10))
