"""The words pages use for the engine's and the models' codes (alert kinds, phases, decisions,
red flags, units), translated once here so every page says the same thing. Where a model's
choices already name a code as the pages do, the words are the model's."""

from __future__ import annotations

from collections.abc import Mapping

from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from programs.models import Guardian, Patient, Program
from programs.reasons import RED_FLAG_WORDS, UNIT_WORDS
from programs.services.common import REVIEW_ACTOR, SYSTEM_ACTOR

ALERT_KINDS: dict[str, StrOrPromise] = {
    "self_harm": _("Thoughts of self-harm"),
    "red_flag": _("Red flag"),
    "persistent_flare": _("Flares for over two weeks"),
    "low_adherence": _("Low adherence"),
    "no_activity": _("No activity"),
}

PHASES: dict[str, StrOrPromise] = {
    "build": _("Build"),
    "maintain": _("Maintain"),
    "taper": _("Taper"),
    "paused": _("Paused"),
}

PROGRAM_STATUSES: Mapping[str, StrOrPromise] = dict(Program.Status.choices)

# A patient's own status, beside their program's; "active" (in treatment) goes without saying.
PATIENT_STATUSES: dict[str, StrOrPromise] = {
    "active": _("In treatment"),
    "relapse_watch": _("Relapse watch after discharge"),
    "discharged": _("Discharged"),
    "archived": _("Archived"),
}

DECISIONS: dict[str, StrOrPromise] = {
    "progress": _("Progress"),
    "hold": _("Hold"),
    "step_back": _("Step back"),
    "new_baseline": _("New baseline suggested"),
    "pause": _("Pause"),
}

REVIEW_TRIGGERS: dict[str, StrOrPromise] = {
    "scheduled": _("End of the week"),
    "red_flag": _("Red flag"),
}

# Who made a change that no person made: the code a revision keeps as its actor_label.
ACTORS: dict[str, StrOrPromise] = {
    SYSTEM_ACTOR: _("system"),
    REVIEW_ACTOR: _("weekly review"),
}

# The words of the reasons the services store (programs.reasons), so pages say the same.
RED_FLAGS: Mapping[str, StrOrPromise] = RED_FLAG_WORDS

SESSION_STATUSES: dict[str, StrOrPromise] = {
    "done": _("Done"),
    "partial": _("Partly done"),
    "missed": _("Missed"),
}

ACTIVITY_KINDS: dict[str, StrOrPromise] = {
    "aerobic": _("Aerobic"),
    "functional": _("Functional"),
    "desensitization": _("Desensitization"),
    "strengthening": _("Strengthening"),
    "flexibility": _("Flexibility"),
    "hydrotherapy": _("Hydrotherapy"),
    "motor_imagery": _("Motor imagery"),
}

UNITS: Mapping[str, StrOrPromise] = UNIT_WORDS

DIAGNOSES: Mapping[str, StrOrPromise] = dict(Patient.Diagnosis.choices)

RELATIONS: Mapping[str, StrOrPromise] = dict(Guardian.Relation.choices)

FDI_BANDS: dict[str, StrOrPromise] = {
    "none_or_minimal": _("no or minimal disability"),
    "moderate": _("moderate disability"),
    "severe": _("severe disability"),
}


def word(table: Mapping[str, StrOrPromise], code: str | None) -> str:
    """``code`` in words; an unknown code is shown as it is rather than hidden."""
    if code is None:
        return ""
    return str(table.get(code, code.replace("_", " ")))


# A milestone's title and line, for the patient ("you") and for a guardian (the child's first
# name as "name"): the finish screen, today's page and the week's page show each one once.
Words = tuple[StrOrPromise, StrOrPromise]
MILESTONES: Mapping[str, tuple[Words, Words]] = {
    "first_full_week": (
        (_("A whole week done!"), _("You showed up for every session of a week.")),
        (_("A whole week done!"), _("%(name)s showed up for every session of a week.")),
    ),
    "halfway": (
        (_("Halfway there!"), _("You are past the middle of your program.")),
        (_("Halfway there!"), _("%(name)s is past the middle of the program.")),
    ),
    "goal_reached": (
        (_("You reached your goal!"), _("Every activity is at its goal amount.")),
        (_("%(name)s reached the goal!"), _("Every activity is at its goal amount.")),
    ),
}
