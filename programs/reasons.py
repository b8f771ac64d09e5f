"""The words for every code the planner and the services say a reason with, and how a reason
is written, stored and read back.

The planner says each reason as a code with plain values (planner.reasons): a weekly
review's decision, the guidance after red flags, whether the goals fit the caps, what is
wrong with an input. The services add a few sentences of their own in the same shape
(``Say``): the alerts a check-in raises, why a program was paused, what a revision changed.
``MESSAGES`` holds one translated message per code, with the code's parameters as named
placeholders; ``text`` writes a reason in the active language, each value the reader's way
(a date in their format, a decimal with their separator, a unit or a red flag in their
words). tests/programs/test_reasons.py holds every code to a message whose placeholders are
exactly the code's parameters, in English and in every catalogue.

Where a reason is kept (a review's, an alert's, a revision's, a pause's), the row stores its
codes (``as_stored``) beside the text in US English as it was when stored: a page, an email
or the API reads the codes back (``stored_text``) and writes them in the reader's language;
a row stored before codes were (or whose codes no longer read) shows its text. What a
clinician typed (a pause's or a dose change's reason) is kept as ``note``, as they wrote it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from types import MappingProxyType
from typing import Any, Protocol

from django.core.exceptions import ValidationError
from django.utils import formats, translation
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy
from django_stubs_ext import StrOrPromise

from planner import PARAMS, Code, Kind, PlannerInputError
from planner.reasons import fits

logger = logging.getLogger(__name__)


class Say(StrEnum):
    """The services' own sentences, stored as the planner's are."""

    ALERT_SELF_HARM = "alert.self_harm"
    ALERT_RED_FLAG = "alert.red_flag"
    ALERT_SENT_LATE = "alert.sent_late"
    PAUSE_RED_FLAG = "pause.red_flag"
    PAUSE_RED_FLAG_BEFORE_FIRST = "pause.red_flag_before_first"
    PAUSE_RED_FLAG_LATE = "pause.red_flag_late"
    REVISION_DRAFTED = "revision.drafted"
    REVISION_DRAFT_CHANGED = "revision.draft_changed"
    REVISION_ACTIVATED = "revision.activated"
    REVISION_PAUSED = "revision.paused"
    REVISION_RESUMED = "revision.resumed"
    REVISION_DISCHARGED = "revision.discharged"
    REVISION_COMPLETED = "revision.completed"
    REVISION_DOSE = "revision.dose"
    REVISION_NEW_BASELINE = "revision.new_baseline"
    REVISION_NEW_START = "revision.new_start"
    REVISION_HELD = "revision.held"
    REVISION_WEEK_REVIEW = "revision.week_review"
    # What a person typed, kept as they wrote it: no message, never translated.
    NOTE = "note"


SAY_PARAMS: Mapping[Say, Mapping[str, Kind]] = {
    Say.ALERT_SELF_HARM: {"reported": Kind.DATE},
    Say.ALERT_RED_FLAG: {"reported": Kind.DATE, "flags": Kind.RED_FLAGS},
    Say.ALERT_SENT_LATE: {"sent": Kind.DATE},
    Say.PAUSE_RED_FLAG: {"flags": Kind.RED_FLAGS},
    Say.PAUSE_RED_FLAG_BEFORE_FIRST: {"flags": Kind.RED_FLAGS},
    Say.PAUSE_RED_FLAG_LATE: {"flags": Kind.RED_FLAGS, "reported": Kind.DATE},
    Say.REVISION_DRAFTED: {},
    Say.REVISION_DRAFT_CHANGED: {},
    Say.REVISION_ACTIVATED: {},
    Say.REVISION_PAUSED: {},
    Say.REVISION_RESUMED: {},
    Say.REVISION_DISCHARGED: {},
    Say.REVISION_COMPLETED: {"last_day": Kind.DATE},
    Say.REVISION_DOSE: {
        "activity": Kind.NAME,
        "date": Kind.DATE,
        "before": Kind.NUMBER,
        "after": Kind.NUMBER,
        "unit": Kind.UNIT,
    },
    Say.REVISION_NEW_BASELINE: {"date": Kind.DATE},
    Say.REVISION_NEW_START: {"activity": Kind.NAME, "amount": Kind.NUMBER, "unit": Kind.UNIT},
    Say.REVISION_HELD: {"activities": Kind.NAMES},
    Say.REVISION_WEEK_REVIEW: {"week": Kind.COUNT},
    Say.NOTE: {"text": Kind.NAME},
}

# Every code a reason may be stored or said with, and its parameters.
KINDS: Mapping[str, Mapping[str, Kind]] = {
    str(code): kinds for code, kinds in [*PARAMS.items(), *SAY_PARAMS.items()]
}


class Said(Protocol):
    """A reason: the planner's (planner.Reason) or a service's (``Sentence``)."""

    @property
    def code(self) -> str: ...

    @property
    def params(self) -> Mapping[str, object]: ...


@dataclass(frozen=True)
class Sentence:
    """A reason the services say, or one read back from a row: a code of ``KINDS`` with
    exactly its parameters, each of its kind (ValueError otherwise)."""

    code: str
    params: Mapping[str, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        kinds = KINDS.get(self.code)
        if kinds is None:
            raise ValueError(f"{self.code!r} is not a reason's code")
        if set(self.params) != set(kinds):
            raise ValueError(f"{self.code} takes {sorted(kinds)}, not {sorted(self.params)}")
        for name, kind in kinds.items():
            if not fits(kind, self.params[name]):
                raise ValueError(f"{self.code}: {name} must be a {kind}")
        object.__setattr__(self, "params", MappingProxyType(dict(self.params)))


def say(code: Say, **params: object) -> Sentence:
    return Sentence(code, params)


def note(text: str) -> list[Sentence]:
    """What a person typed, as the one sentence it is; nothing when they typed nothing."""
    text = text.strip()
    return [Sentence(Say.NOTE, {"text": text})] if text else []


# -- The words -----------------------------------------------------------------------------

# The red flags as a clinician reads them (web.labels shows the same words).
RED_FLAG_WORDS: dict[str, StrOrPromise] = {
    "fever": _("Fever"),
    "rash": _("Rash"),
    "joint_swelling": _("Joint swelling or warmth"),
    "night_pain": _("Night pain that wakes them"),
    "bone_pain": _("Bone pain"),
    "weight_loss_or_night_sweats": _("Weight loss or night sweats"),
    "bruising_or_pallor": _("Unusual bruising or pallor"),
    "limp": _("Limp or refusing to bear weight"),
    "muscle_weakness": _("True muscle weakness"),
    "dark_urine": _("Cola-colored urine with muscle pain or swelling"),
    "chest_pain_or_fainting": _("Chest pain, fainting or severe breathlessness"),
    "self_harm": _("Thoughts of self-harm"),
}

UNIT_WORDS: dict[str, StrOrPromise] = {
    "minutes": _("minutes"),
    "seconds": _("seconds"),
    "repetitions": _("repetitions"),
    "metres": _("meters"),
}

INTENSITY_WORDS: dict[str, StrOrPromise] = {
    "light": _("light"),
    "moderate": _("moderate"),
    "vigorous": _("vigorous"),
}

MESSAGES: Mapping[str, StrOrPromise] = {
    # The weekly review, for the clinician.
    Code.REVIEW_SUPERSEDED: _(
        "A new baseline was recorded after this week: its new ramp goes on as planned."
    ),
    Code.REVIEW_PAUSED: _("Progression stays paused until a clinician resumes it."),
    Code.REVIEW_RED_FLAG: _(
        "Red flag reported (%(flags)s): progression is paused and the clinician is alerted. "
        "The doses stay where they are until a clinician resumes the program."
    ),
    Code.REVIEW_GAP_STEP_BACK: ngettext_lazy(
        "No activity for %(days)s day: stepping back 1 week from the last completed level.",
        "No activity for %(days)s days: stepping back 1 week from the last completed level.",
        "days",
    ),
    Code.REVIEW_GAP_NEW_BASELINE: ngettext_lazy(
        "No activity for %(days)s day: stepping back 2 weeks from the last completed level. "
        "A new baseline is suggested.",
        "No activity for %(days)s days: stepping back 2 weeks from the last completed level. "
        "A new baseline is suggested.",
        "days",
    ),
    Code.REVIEW_FLARE: ngettext_lazy(
        "Flare reported: holding this week's doses (never stopping) and adding "
        "desensitization. %(done)s of %(planned)s session done (%(adherence)s%%).",
        "Flare reported: holding this week's doses (never stopping) and adding "
        "desensitization. %(done)s of %(planned)s sessions done (%(adherence)s%%).",
        "planned",
    ),
    Code.REVIEW_FLARE_ALERT: ngettext_lazy(
        "Flares have gone on for %(weeks)s week: the clinician is alerted.",
        "Flares have gone on for %(weeks)s weeks: the clinician is alerted.",
        "weeks",
    ),
    Code.REVIEW_LOW_ADHERENCE: ngettext_lazy(
        "%(done)s of %(planned)s session done (%(adherence)s%%), below the %(needed)s%% "
        "needed to progress: repeating this week's doses.",
        "%(done)s of %(planned)s sessions done (%(adherence)s%%), below the %(needed)s%% "
        "needed to progress: repeating this week's doses.",
        "planned",
    ),
    Code.REVIEW_QUOTA_MISSED: ngettext_lazy(
        "The quota was met in %(met)s of the last %(window)s session: repeating this week's doses.",
        "The quota was met in %(met)s of the last %(window)s sessions: repeating this week's "
        "doses.",
        "window",
    ),
    Code.REVIEW_DOSES_SHORT: ngettext_lazy(
        "The full doses were done in %(full)s of %(planned)s session this week (%(share)s%%), "
        "below the %(needed)s%% needed to progress: repeating this week's doses.",
        "The full doses were done in %(full)s of %(planned)s sessions this week "
        "(%(share)s%%), below the %(needed)s%% needed to progress: repeating this week's "
        "doses.",
        "planned",
    ),
    Code.REVIEW_PROGRESS: ngettext_lazy(
        "%(done)s of %(planned)s session done (%(adherence)s%%) and the quotas met: moving "
        "on to the next step.",
        "%(done)s of %(planned)s sessions done (%(adherence)s%%) and the quotas met: moving "
        "on to the next step.",
        "planned",
    ),
    Code.REVIEW_NO_DESENSITIZATION: _(
        "The program has no desensitization activity: the clinician may add one."
    ),
    # The guidance after red flags, for the patient.
    Code.GUIDANCE_CONTACT_DOCTOR: _(
        "What you reported is not part of your pain condition and needs a doctor to look at "
        "it. Please contact your doctor today. Your exercise program will not increase until "
        "your therapist has checked in with you."
    ),
    # Translators: 988 answers in Spanish too; say how in Spanish: call 988 and press 2, or
    # text AYUDA to 988.
    Code.GUIDANCE_CRISIS: _(
        "You are not alone. Call or text 988, the Suicide and Crisis Lifeline, now: someone "
        "will listen, free, any time of day or night. If you are in danger right now, call "
        "911. Please tell a trusted adult and your doctor too. Your therapist has been told."
    ),
    # Translators: as the crisis guidance above (with how 988 answers in Spanish).
    Code.GUIDANCE_CRISIS_AND_DOCTOR: _(
        "You are not alone. Call or text 988, the Suicide and Crisis Lifeline, now: someone "
        "will listen, free, any time of day or night. If you are in danger right now, call "
        "911. Please tell a trusted adult and your doctor too. Your therapist has been told. "
        "The other things you reported need a doctor to look at them as well: please contact "
        "your doctor today."
    ),
    # Whether the goals fit the caps.
    Code.FEASIBLE: _("Every goal is reached by %(goal_date)s."),
    Code.NOT_FEASIBLE: _(
        "The goals cannot be reached by %(goal_date)s within the weekly caps (%(activities)s); "
        "the earliest goal date that can is %(earliest)s, and the schedule is planned to it."
    ),
    # What is wrong with a field, shown beside it.
    Code.NOT_A_NUMBER: _("must be a number"),
    Code.NOT_YEARS: _("must be a number of years"),
    Code.NOT_BPM: _("must be a number of beats per minute"),
    Code.NOT_WHOLE: _("must be a whole number"),
    Code.NOT_WHOLE_BPM: _("must be a whole number of beats per minute"),
    Code.NOT_WHOLE_WEEKS: _("must be a whole number of weeks, at least 1"),
    Code.NOT_BETWEEN: _("must be between %(low)s and %(high)s, not %(value)s"),
    Code.NOT_BETWEEN_YEARS: _("must be between %(low)s and %(high)s years, not %(value)s"),
    Code.NOT_BETWEEN_BPM: _("must be between %(low)s and %(high)s bpm, not %(value)s"),
    Code.OUTSIDE: _("must be between %(low)s and %(high)s"),
    Code.WHOLE_BETWEEN: _("must be a whole number from %(low)s to %(high)s"),
    Code.FROM_ZERO: _("must be from 0 to %(high)s"),
    Code.NOT_FROM_ZERO: _("must be from 0 to %(high)s, not %(value)s"),
    Code.AT_LEAST: _("must be at least %(low)s"),
    Code.AT_MOST_BPM: _("must be at most %(high)s bpm, not %(value)s"),
    Code.NEGATIVE: _("cannot be negative"),
    Code.NOT_NEGATIVE: _("must not be negative"),
    Code.BELOW_ZERO: _("cannot be below 0, not %(value)s"),
    Code.BLANK: _("must not be blank"),
    Code.USED_TWICE: _("is used twice"),
    Code.NOT_A_DATE: _("must be a date"),
    Code.UNKNOWN_UNIT: _("“%(value)s” is not a dose unit"),
    Code.UNKNOWN_METHOD: _("“%(value)s” is not one of %(offered)s"),
    Code.NOT_IN_PLAN: _("“%(value)s” is not an activity of the plan"),
    Code.TRIALS_NOT_LIST: _("must be a list of tolerance trials"),
    Code.NO_TRIALS: _("at least one tolerance trial is needed"),
    Code.TOO_MANY_TRIALS: _("at most %(most)s tolerance trials are used, not %(count)s"),
    Code.TRIAL_TOO_LARGE: _(
        "%(value)s %(unit)s is more than %(most)s %(unit)s; is the unit right?"
    ),
    Code.ALL_TRIALS_ZERO: _("every trial is 0; at least one must be above 0"),
    Code.DATES_NOT_LIST: _("must be a list of dates, one for each trial"),
    Code.DATES_COUNT: _("give one date for each of the %(trials)s trials, not %(count)s"),
    Code.DATE_AFTER: _("is after %(date)s"),
    Code.DATE_TOO_OLD: _("is before %(date)s: do the trials again"),
    Code.TRIALS_SPAN: _("the trials must all be done within one week (seven days)"),
    Code.FDI_BAND_MISMATCH: _("%(band)s does not match the total %(total)s"),
    Code.FDI_NOT_LIST: _("must be a list of %(count)s answers"),
    Code.FDI_COUNT: _("needs exactly %(count)s answers, not %(given)s"),
    Code.HEART_RATE_RANGE: _("%(high)s bpm is below the low end, %(low)s bpm"),
    Code.OMNI_RANGE: _("%(low)s-%(high)s is not a range on the OMNI 0-%(most)s scale"),
    Code.MEASURED_NEEDED: _("is needed when the method is measured"),
    Code.MEASURED_UNUSED: _("is only used with the measured method, not with %(method)s"),
    Code.FRACTIONS_INVERTED: _("%(high)s is below the low end, %(low)s"),
    Code.NO_WHOLE_BEAT: _(
        "%(low)s-%(high)s of reserve holds no whole beat per minute; widen the range"
    ),
    Code.MAX_BELOW_RESTING: _("%(value)s bpm must be above the resting heart rate %(resting)s"),
    Code.ABOVE_HOME_CEILING: _(
        "%(value)s is above %(ceiling)s: never more than %(percent)s%% of heart-rate reserve "
        "at home"
    ),
    Code.RESERVE_TOO_SMALL: _(
        "leaves a heart-rate reserve of only %(reserve)s bpm below the maximal heart rate of "
        "%(max)s; at least %(least)s is needed"
    ),
    Code.MORE_THAN_BOUT: _(
        "%(value)s %(unit)s is more than the %(most)s %(unit)s allowed per bout"
    ),
    Code.START_ABOVE_GOAL: _("the start quota (%(start)s) is above the goal quota (%(goal)s)"),
    Code.NO_WEEKDAY: _("choose at least one weekday"),
    Code.BAD_WEEKDAY: _("weekdays are numbered 0 (Monday) to 6 (Sunday)"),
    Code.GOAL_INTENSITY_BELOW: _(
        "the goal intensity (%(goal)s) is below the start intensity (%(start)s)"
    ),
    Code.START_VIGOROUS: _(
        "start at moderate intensity (or light); vigorous is a goal to build up to"
    ),
    Code.DESENSITIZATION_UNIT: _("desensitization is dosed in seconds or minutes"),
    Code.DESENSITIZATION_TOO_LONG: _("desensitization lasts at most %(minutes)s minutes a time"),
    Code.DESENSITIZATION_TIMES: _("desensitization is done %(low)s or %(high)s times a day"),
    Code.PACE_UNIT: _("is only for activities dosed in %(unit)s"),
    Code.NO_ACTIVITIES: _("a program needs at least one activity"),
    Code.GOAL_BEFORE_START: _(
        "the goal date (%(goal_date)s) must be after the start date (%(start_date)s)"
    ),
    Code.PROGRAM_TOO_LONG: _("a program can last at most %(weeks)s weeks"),
    Code.RAMP_START_OUTSIDE: _("must lie within the program's first %(weeks)s weeks"),
    Code.DAILY_CAP: _(
        "the goal doses add up to %(minutes)s minutes on %(weekday)s, above the daily cap of "
        "%(cap)s minutes (distances and repetitions count at their pace); lower a goal or "
        "raise the cap"
    ),
    Code.GOAL_UNREACHABLE: _(
        "cannot be reached within %(weeks)s weeks under the weekly cap (the earliest would be "
        "%(earliest)s); lower the goal or raise the cap"
    ),
    Code.BEFORE_START: _("must not be before the program's start date"),
    Code.NO_SESSION_YET: _("the program has no session on or before this date"),
    Code.BEFORE_WEEK: _("is before week %(week)s has started"),
    Code.STEP_HELD_AT_ZERO: _("can only be 0, the step the program is held at"),
    Code.STEP_ABOVE_HELD: _(
        "must be from 0 (the start quota) to %(held)s, the step the program is held at: a "
        "higher step would raise the doses past their weekly caps"
    ),
    # The services' sentences, for the clinician.
    Say.ALERT_SELF_HARM: _(
        "Thoughts of self-harm reported in the check-in of %(reported)s. Please reach the "
        "patient (or their family) today; they were shown the 988 crisis line."
    ),
    Say.ALERT_RED_FLAG: _("Red flag reported on %(reported)s: %(flags)s. Progression is paused."),
    Say.ALERT_SENT_LATE: _(
        "The check-in was kept on the phone while it was offline, and sent on %(sent)s."
    ),
    Say.PAUSE_RED_FLAG: _("Red flag reported (%(flags)s)."),
    Say.PAUSE_RED_FLAG_BEFORE_FIRST: _("Red flag reported (%(flags)s) before the first session."),
    Say.PAUSE_RED_FLAG_LATE: _(
        "Red flag reported (%(flags)s) in a check-in of %(reported)s, sent late."
    ),
    Say.REVISION_DRAFTED: _("Program drafted."),
    Say.REVISION_DRAFT_CHANGED: _("Draft changed."),
    Say.REVISION_ACTIVATED: _("Activated; ME/CFS exclusion considered."),
    # Translators: the start of a revision's reason; why it was paused follows.
    Say.REVISION_PAUSED: _("Paused:"),
    Say.REVISION_RESUMED: _("Resumed by a clinician."),
    Say.REVISION_DISCHARGED: _("Discharged."),
    Say.REVISION_COMPLETED: _(
        "Discharged: the program ended on %(last_day)s, its last planned day."
    ),
    Say.REVISION_DOSE: _("%(activity)s on %(date)s: %(before)s to %(after)s %(unit)s."),
    Say.REVISION_NEW_BASELINE: _("New baseline: the ramp restarts on %(date)s."),
    Say.REVISION_NEW_START: _("%(activity)s starts from %(amount)s %(unit)s."),
    Say.REVISION_HELD: _(
        "Held to the dose in force, which a new start may not exceed: %(activities)s."
    ),
    # Translators: the start of a revision's reason; the review's reasons follow.
    Say.REVISION_WEEK_REVIEW: _("Week %(week)s review:"),
}


# -- Writing a reason ------------------------------------------------------------------------


def _number(value: float) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return formats.number_format(value)


def _words(table: Mapping[str, StrOrPromise], value: str) -> str:
    return str(table.get(value, value.replace("_", " ")))


def _shown(kind: Kind, value: Any) -> object:
    """``value`` as the message shows it, in the active language."""
    if kind is Kind.COUNT:
        return value  # a number still: the plural form is chosen by it
    if kind in (Kind.NUMBER, Kind.PERCENT):
        return _number(value)
    if kind is Kind.DATE:
        return formats.date_format(value, "DATE_FORMAT")
    if kind is Kind.WEEKDAY:
        return str(WEEKDAYS[value])
    if kind is Kind.NAMES:
        return ", ".join(value)
    if kind is Kind.UNIT:
        return _words(UNIT_WORDS, value)
    if kind is Kind.INTENSITY:
        return _words(INTENSITY_WORDS, value)
    if kind is Kind.RED_FLAGS:
        return ", ".join(_words(RED_FLAG_WORDS, flag) for flag in value)
    return value


def text(reason: Said) -> str:
    """One reason, written in the active language."""
    if reason.code == Say.NOTE:
        return str(reason.params["text"])
    kinds = KINDS[reason.code]
    values = {name: _shown(kind, reason.params[name]) for name, kind in kinds.items()}
    return str(MESSAGES[reason.code] % values)


def planner_error(error: PlannerInputError) -> ValidationError:
    """The planner's refusal as a Django error without its field: the reason in the active
    language, and its code as the error's (which the API gives beside the words)."""
    return ValidationError(text(error.reason), code=str(error.reason.code))


def texts(reasons: Iterable[Said]) -> str:
    """Reasons one after another, as one text in the active language."""
    return " ".join(text(reason) for reason in reasons)


def english(reasons: Iterable[Said]) -> str:
    """Reasons in US English: the text a row keeps beside its codes."""
    with translation.override("en-us"):
        return texts(reasons)


# -- Keeping a reason ------------------------------------------------------------------------

Stored = list[dict[str, Any]]


def _stored_value(kind: Kind, value: Any) -> Any:
    if kind is Kind.DATE:
        return value.isoformat()
    if kind in (Kind.NAMES, Kind.RED_FLAGS):
        return [str(item) for item in value]
    if isinstance(value, str):
        return str(value)  # a StrEnum as its plain value
    return value


def as_stored(reasons: Iterable[Said]) -> Stored:
    """Reasons as a JSON field keeps them: ``[{"code": ..., "params": {...}}, ...]``, dates
    as ISO 8601 and lists as lists. The API gives the same shape."""
    stored: Stored = []
    for reason in reasons:
        kinds = KINDS[reason.code]
        params = {name: _stored_value(kinds[name], value) for name, value in reason.params.items()}
        stored.append({"code": str(reason.code), "params": params})
    return stored


def _read_value(kind: Kind, value: Any) -> Any:
    if kind is Kind.DATE and isinstance(value, str):
        return date.fromisoformat(value)
    if kind in (Kind.NAMES, Kind.RED_FLAGS) and isinstance(value, list):
        return tuple(value)
    return value


def read_stored(stored: object) -> tuple[Sentence, ...]:
    """Reasons kept by ``as_stored``; ValueError for anything else."""
    if not isinstance(stored, list):
        raise ValueError("stored reasons are a list")
    reasons: list[Sentence] = []
    for item in stored:
        if not isinstance(item, dict) or not isinstance(item.get("params"), dict):
            raise ValueError(f"{item!r} is not a stored reason")
        code = item.get("code")
        kinds = KINDS.get(code) if isinstance(code, str) else None
        if kinds is None:
            raise ValueError(f"{code!r} is not a reason's code")
        params = {
            name: _read_value(kinds[name], value) if name in kinds else value
            for name, value in item["params"].items()
        }
        reasons.append(Sentence(str(code), params))
    return tuple(reasons)


def stored_text(stored: object, fallback: str) -> str:
    """A row's reason in the active language: its codes written out, or ``fallback`` (the
    text it keeps) when it has none, or none that read (logged: a code since renamed)."""
    if not stored:
        return fallback
    try:
        return texts(read_stored(stored))
    except (ValueError, KeyError, TypeError):
        logger.warning("stored reasons that do not read: %r", stored)
        return fallback


def sentences(reasons: Sequence[Said]) -> list[Sentence]:
    """Reasons of either kind as the services' ``Sentence``s."""
    return [Sentence(str(reason.code), dict(reason.params)) for reason in reasons]
