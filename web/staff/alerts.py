"""The alerts inbox (placeholder until the staff pages land)."""

from web.staff.caseload import caseload as inbox

__all__ = ["inbox"]
