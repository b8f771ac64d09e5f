"""The weekly check-in (placeholder until the patient pages land)."""

from web.patient.today import today as check_in

__all__ = ["check_in"]
