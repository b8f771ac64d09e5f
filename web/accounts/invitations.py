"""Invitations (placeholder until the accounts pages land)."""

from web.staff.caseload import caseload as invite

__all__ = ["invite"]
