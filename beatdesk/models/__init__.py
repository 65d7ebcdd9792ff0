"""All models, importable from one place."""
from .archive import (GENESIS_HASH, ArchiveCheckpoint, ArchiveHead, ArchiveRecord, DispositionItem, DispositionRun,
                      DispositionState, ItemOutcome, LegalHold, PeriodUnit, RetentionSchedule,
                      SavedSearch)
from .audit import AuditEvent, Outcome
from .base import Base
from .checks import CheckTerm
from .comments import (Comment, CommenterBlock, CommentFlag, CommentState, KeywordAction,
                       ModerationAction, ModerationKind, ScreeningKeyword)
from .organisation import Department, District, ModerationMode
from .people import RepresentativeDesignation, User
from .posts import (CATEGORY_LABELS, TIME_SENSITIVE, Acknowledgement, Category, InquiryState,
                    MediaAsset, MediaInquiry, Post, PostEvent, PostRevision, PostState,
                    RevisionImage)
from .records import (Exemption, ReceivedVia, RecordsRequest, Redaction, RedactionKind, Release,
                      RequestEvent, RequestState, SnapshotItem)
from .redaction_suggestions import RedactionSuggestion, SuggestionKind, SuggestionStatus  # noqa: F401
from .records_portal import MessageSender, PortalAccess, RequestMessage  # noqa: F401
from .letters import Letter, LetterKind, LetterTemplate  # noqa: F401
from .records_tolling import OUTCOMES_FOR, TollingPeriod, WaitOutcome, WaitReason  # noqa: F401
from .terms import TermsVersion
from . import check_waivers, devices, outlets, rule_citations  # noqa: F401  (their tables)
from .reading_room import Publication, PublicationScope
from .published_texts import PublishedText, PublishedTextKind
from .platforms import (OUTBOX_DONE, AttemptOutcome, CommentPlatformEvent, Delivery, NotificationKind,
                        NotificationPreference, OutboxAttempt, OutboxKind, OutboxRow, OutboxState,
                        Platform, PlatformAccount, PlatformEventKind, StaffNotification)

__all__ = ["GENESIS_HASH", "ArchiveCheckpoint", "ArchiveHead", "ArchiveRecord", "DispositionItem", "DispositionRun",
           "DispositionState", "ItemOutcome", "LegalHold", "PeriodUnit", "RetentionSchedule",
           "SavedSearch",
           "CheckTerm",
           "Comment", "CommenterBlock", "CommentFlag", "CommentState", "KeywordAction",
           "ModerationAction", "ModerationKind", "ScreeningKeyword",
           "CATEGORY_LABELS", "TIME_SENSITIVE", "Acknowledgement", "Category", "InquiryState",
           "MediaAsset", "MediaInquiry", "Post", "PostEvent", "PostRevision", "PostState",
           "RevisionImage", "AuditEvent", "Base", "Department", "District", "ModerationMode", "Outcome",
           "RepresentativeDesignation", "User",
           "TermsVersion",
           "PublishedText", "PublishedTextKind",
           "OUTBOX_DONE", "AttemptOutcome", "CommentPlatformEvent", "Delivery", "NotificationKind",
           "NotificationPreference", "OutboxAttempt", "OutboxKind", "OutboxRow", "OutboxState",
           "Platform", "PlatformAccount", "PlatformEventKind", "StaffNotification",
           "Exemption", "ReceivedVia", "RecordsRequest", "Redaction", "RedactionKind", "Release",
           "RequestEvent", "RequestState", "SnapshotItem"]
