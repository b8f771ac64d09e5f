"""Progress (placeholder until the patient pages land)."""

from web.patient.today import today as progress

__all__ = ["progress"]
