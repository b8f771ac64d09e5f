"""Reminder settings (placeholder until the patient pages land)."""

from web.patient.today import today as settings

__all__ = ["settings"]
