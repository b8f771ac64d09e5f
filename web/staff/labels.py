"""The words staff pages use for the engine's codes (alert kinds, phases, decisions, red flags),
translated once here so every page says the same thing."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

ALERT_KINDS: dict[str, Promise] = {
    "self_harm": _("Thoughts of self-harm"),
    "red_flag": _("Red flag"),
    "persistent_flare": _("Flares for over two weeks"),
    "low_adherence": _("Low adherence"),
    "no_activity": _("No activity"),
}

PHASES: dict[str, Promise] = {
    "build": _("Build"),
    "maintain": _("Maintain"),
    "taper": _("Taper"),
    "paused": _("Paused"),
}

PROGRAM_STATUSES: dict[str, Promise] = {
    "draft": _("Draft"),
    "active": _("Active"),
    "paused": _("Paused"),
    "maintenance": _("Maintenance"),
    "tapering": _("Tapering"),
    "discharged": _("Discharged"),
}

# A patient's own status, beside their program's; "active" (in treatment) goes without saying.
PATIENT_STATUSES: dict[str, Promise] = {
    "active": _("In treatment"),
    "relapse_watch": _("Relapse watch after discharge"),
    "discharged": _("Discharged"),
    "archived": _("Archived"),
}

DECISIONS: dict[str, Promise] = {
    "progress": _("Progress"),
    "hold": _("Hold"),
    "step_back": _("Step back"),
    "new_baseline": _("New baseline suggested"),
    "pause": _("Pause"),
}

REVIEW_TRIGGERS: dict[str, Promise] = {
    "scheduled": _("End of the week"),
    "red_flag": _("Red flag"),
}

RED_FLAGS: dict[str, Promise] = {
    "fever": _("Fever"),
    "rash": _("Rash"),
    "joint_swelling": _("Joint swelling or warmth"),
    "night_pain": _("Night pain that wakes them"),
    "bone_pain": _("Bone pain"),
    "weight_loss_or_night_sweats": _("Weight loss or night sweats"),
    "bruising_or_pallor": _("Unusual bruising or pallor"),
    "limp": _("Limp or refusing to bear weight"),
    "muscle_weakness": _("True muscle weakness"),
    "dark_urine": _("Cola-coloured urine with muscle pain or swelling"),
    "chest_pain_or_fainting": _("Chest pain, fainting or severe breathlessness"),
    "self_harm": _("Thoughts of self-harm"),
}

SESSION_STATUSES: dict[str, Promise] = {
    "done": _("Done"),
    "partial": _("Partly done"),
    "missed": _("Missed"),
}

UNITS: dict[str, Promise] = {
    "minutes": _("minutes"),
    "seconds": _("seconds"),
    "repetitions": _("repetitions"),
    "metres": _("metres"),
}

DIAGNOSES: dict[str, Promise] = {
    "juvenile_fibromyalgia": _("Juvenile fibromyalgia"),
    "crps": _("Complex regional pain syndrome"),
    "diffuse_idiopathic_pain": _("Diffuse idiopathic pain"),
    "other": _("Other amplified pain"),
}

RELATIONS: dict[str, Promise] = {
    "mother": _("Mother"),
    "father": _("Father"),
    "parent": _("Parent"),
    "grandparent": _("Grandparent"),
    "legal_guardian": _("Legal guardian"),
    "other": _("Other"),
}

FDI_BANDS: dict[str, Promise] = {
    "none_or_minimal": _("no or minimal disability"),
    "moderate": _("moderate disability"),
    "severe": _("severe disability"),
}


def word(table: dict[str, Promise], code: str | None) -> str:
    """``code`` in words; an unknown code is shown as it is rather than hidden."""
    if code is None:
        return ""
    return str(table.get(code, code.replace("_", " ")))
