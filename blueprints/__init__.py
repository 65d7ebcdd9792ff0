"""HTTP layer: each blueprint parses requests, calls one domain operation, commits, responds."""
from .admin import bp as admin_bp
from .archive import bp as archive_bp
from .auth import bp as auth_bp
from .checkpoints import bp as checkpoints_bp
from .checks import bp as checks_bp
from .comments import bp as comments_bp
from .console import bp as console_bp
from .districts import bp as districts_bp
from .inquiries import bp as inquiries_bp
from .moderation import bp as moderation_bp
from .outbox import bp as outbox_bp
from .notification_settings import bp as notification_settings_bp
from .posts import bp as posts_bp
from .posts.public_media import bp as media_bp
from .platform_accounts import bp as platform_accounts_bp
from .public import bp as public_bp
from .records import bp as records_bp
from .redaction_suggestions import bp as redaction_suggestions_bp
from .reading_room import bp as reading_room_bp, staff_bp as reading_room_staff_bp
from .terms import bp as terms_bp

BLUEPRINTS = (public_bp, auth_bp, console_bp, admin_bp, districts_bp, posts_bp, inquiries_bp,
              media_bp, terms_bp, checks_bp, records_bp, comments_bp, moderation_bp,
              archive_bp, checkpoints_bp, notification_settings_bp, outbox_bp,
              platform_accounts_bp, redaction_suggestions_bp, reading_room_bp, reading_room_staff_bp)

from .records_tolling import bp as records_tolling_bp  # noqa: E402

BLUEPRINTS += (records_tolling_bp,)

from .records_portal import bp as records_portal_bp  # noqa: E402

BLUEPRINTS += (records_portal_bp,)

from .letters import bp as letters_bp  # noqa: E402

BLUEPRINTS += (letters_bp,)
