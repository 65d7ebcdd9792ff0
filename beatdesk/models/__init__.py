"""All models, importable from one place."""
from .audit import AuditEvent, Outcome
from .base import Base
from .organisation import Department, District, ModerationMode
from .people import RepresentativeDesignation, User

__all__ = ["AuditEvent", "Base", "Department", "District", "ModerationMode", "Outcome",
           "RepresentativeDesignation", "User"]
