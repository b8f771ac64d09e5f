"""Input and output shapes of the patient and guardian endpoints (/api/v1/me/).

The JSON goes to a phone web page and other clients: plain values, stable keys, null for
"not set". Weeks count from 1. An activity is named by its program activity ``key`` (a slug
such as "walking", unique within a program), the same in a dose and in a logged result.
Progress carries no pain: what a patient sees leads with what they did.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from planner import Decision, FdiBand, RedFlag, fdi_band
from programs import reasons
from programs.fdi import FDI_ANSWERS, FDI_ITEMS
from programs.models import (
    ActivityLog,
    Milestone,
    PlannedDose,
    PlannedSession,
    Program,
    SessionLog,
)
from programs.selectors import CheckInDue, Progress
from programs.services import CheckInResult, records
from programs.services.programs import MAX_TIMES_PER_DAY
from programs.services.records import MAX_NOTE

# A result or note more than this is a client bug, not a session.
MAX_RESULTS = 50
MAX_AMOUNT = 100_000
# School days in one check-in's week (services.check_in_submit holds the rule).
MAX_SCHOOL_DAYS = records.SCHOOL_DAYS_MAX


# -- Who I am -------------------------------------------------------------------------------


class ActedForPatientSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    first_name = serializers.CharField()
    relation = serializers.CharField(
        help_text="\"self\" for the patient's own account, else the guardian's relation "
        "(mother, father, parent, grandparent, legal_guardian, other)."
    )
    program_status = serializers.CharField(
        allow_null=True,
        help_text="Status of the patient's newest program that is not a draft; null if none.",
    )


class MeSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    username = serializers.CharField()
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    roles = serializers.ListField(
        child=serializers.ChoiceField(choices=["patient", "guardian", "staff"])
    )
    patients = ActedForPatientSerializer(many=True)


# -- Sessions -------------------------------------------------------------------------------


class RangeSerializer(serializers.Serializer[Any]):
    low = serializers.IntegerField()
    high = serializers.IntegerField()


class BoutSerializer(serializers.Serializer[Any]):
    number = serializers.IntegerField(help_text="Which time of the day, from 1.")
    amount = serializers.IntegerField(
        allow_null=True, help_text="What was done that time, in the dose's unit; null until done."
    )
    exertion = serializers.IntegerField(
        allow_null=True, help_text="How hard it felt, OMNI 0-10; null when not said."
    )


def dose_bouts(dose: PlannedDose) -> list[dict[str, Any]] | None:
    """Each of the dose's times a day, with what was saved of it (``session_bout_log``); None
    for a dose done once a day. The session's bouts are prefetched by the selector."""
    if dose.times_per_day <= 1:
        return None
    saved = {
        bout.number: bout
        for bout in dose.session.bouts.all()
        if bout.program_activity_id == dose.program_activity_id
    }
    return [
        {
            "number": number,
            "amount": saved[number].amount if number in saved else None,
            "exertion": saved[number].exertion if number in saved else None,
        }
        for number in range(1, dose.times_per_day + 1)
    ]


class DoseSerializer(serializers.Serializer[PlannedDose]):
    activity = serializers.CharField(
        source="program_activity.key", help_text="The program activity's key."
    )
    name = serializers.CharField(source="program_activity.name")
    kind = serializers.CharField(source="program_activity.kind")
    amount = serializers.IntegerField()
    unit = serializers.CharField()
    times_per_day = serializers.IntegerField()
    heart_rate = serializers.SerializerMethodField(
        help_text="Target heart rate in beats per minute; null when not prescribed."
    )
    exertion = serializers.SerializerMethodField(
        help_text="Target on the children's OMNI scale, 0-10; null when not prescribed."
    )
    instructions = serializers.CharField(source="program_activity.activity.instructions")
    media_url = serializers.SerializerMethodField()
    bouts = serializers.SerializerMethodField(
        help_text="For a dose done more than once a day (`times_per_day` above 1): each time, "
        "in order, with what was logged of it one at a time (POST .../bouts/); null for a dose "
        "done once a day. A log of the whole session (POST .../log/) clears them: its results "
        "then say what was done."
    )

    @extend_schema_field(BoutSerializer(many=True, allow_null=True))
    def get_bouts(self, dose: PlannedDose) -> list[dict[str, Any]] | None:
        return dose_bouts(dose)

    @extend_schema_field(RangeSerializer(allow_null=True))
    def get_heart_rate(self, dose: PlannedDose) -> dict[str, int] | None:
        if dose.heart_rate_low is None or dose.heart_rate_high is None:
            return None
        return {"low": dose.heart_rate_low, "high": dose.heart_rate_high}

    @extend_schema_field(RangeSerializer(allow_null=True))
    def get_exertion(self, dose: PlannedDose) -> dict[str, int] | None:
        if dose.exertion_low is None or dose.exertion_high is None:
            return None
        return {"low": dose.exertion_low, "high": dose.exertion_high}

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_media_url(self, dose: PlannedDose) -> str | None:
        return dose.program_activity.activity.media_url or None


class ResultSerializer(serializers.Serializer[ActivityLog]):
    activity = serializers.CharField(source="program_activity.key")
    name = serializers.CharField(source="program_activity.name")
    amount = serializers.IntegerField()
    exertion = serializers.IntegerField(allow_null=True)
    note = serializers.CharField()


class SessionLogSerializer(serializers.Serializer[SessionLog]):
    session = serializers.IntegerField(source="session_id")
    status = serializers.ChoiceField(choices=SessionLog.STATUS_CHOICES)
    note = serializers.CharField()
    logged_at = serializers.DateTimeField()
    results = ResultSerializer(many=True)


class SessionSerializer(serializers.Serializer[Any]):  # one session, or a page of them
    id = serializers.IntegerField()
    date = serializers.DateField()
    phase = serializers.CharField()
    week = serializers.SerializerMethodField(help_text="The program week, counted from 1.")
    program_status = serializers.CharField(source="program.status")
    doses = DoseSerializer(many=True)
    log = serializers.SerializerMethodField(help_text="The log, once the session is logged.")

    def get_week(self, session: PlannedSession) -> int:
        return session.week + 1

    @extend_schema_field(SessionLogSerializer(allow_null=True))
    def get_log(self, session: PlannedSession) -> dict[str, Any] | None:
        # A reverse one-to-one with no row raises (an AttributeError) on access.
        log = getattr(session, "log", None)
        return SessionLogSerializer(log).data if log is not None else None


class TodaySerializer(serializers.Serializer[Any]):
    date = serializers.DateField(help_text="Today in the patient's own time zone.")
    session = SessionSerializer(allow_null=True, help_text="Null when there is none today.")
    next_session_date = serializers.DateField(
        allow_null=True,
        help_text="When there is no session today: the date of the next one (null if none).",
    )


class UpcomingQuerySerializer(serializers.Serializer[Any]):
    days = serializers.IntegerField(
        min_value=1,
        max_value=28,
        default=14,
        help_text="How many days ahead, today included: 1 to 28, 14 by default.",
    )


class ActivityDoneSerializer(serializers.Serializer[Any]):
    """What was done of one of a session's activities: the parts a logged result and a bout
    share. ``context["planned"]`` maps the session's activity keys to their ids."""

    activity = serializers.CharField(
        max_length=60, help_text="The program activity's key, as in the session's doses."
    )
    exertion = serializers.IntegerField(
        min_value=0,
        max_value=10,
        required=False,
        allow_null=True,
        default=None,
        help_text="How hard it felt, on the children's OMNI scale 0-10.",
    )

    def validate_activity(self, key: str) -> int:
        """The key as the program activity id the service takes."""
        planned: dict[str, int] = self.context["planned"]
        if key not in planned:
            raise serializers.ValidationError(_("is not planned in this session"))
        return planned[key]


class ResultInputSerializer(ActivityDoneSerializer):
    amount = serializers.IntegerField(min_value=0, max_value=MAX_AMOUNT)
    note = serializers.CharField(max_length=MAX_NOTE, required=False, allow_blank=True, default="")


class SessionLogInputSerializer(serializers.Serializer[Any]):
    status = serializers.ChoiceField(choices=SessionLog.STATUS_CHOICES)
    results = ResultInputSerializer(
        many=True,
        required=False,
        max_length=MAX_RESULTS,  # type: ignore[call-arg]  # ListSerializer takes it since DRF 3.14
    )
    note = serializers.CharField(max_length=MAX_NOTE, required=False, allow_blank=True, default="")


class BoutInputSerializer(ActivityDoneSerializer):
    bout = serializers.IntegerField(
        min_value=1,
        max_value=MAX_TIMES_PER_DAY,
        help_text="Which time of the day: 1 to the dose's `times_per_day`.",
    )
    amount = serializers.IntegerField(
        min_value=0, max_value=MAX_AMOUNT, help_text="What was done that time, in the dose's unit."
    )


# -- Check-ins ------------------------------------------------------------------------------


# Every way DRF can refuse a number, each of which would otherwise answer with DRF's own
# words ("Ensure this value is less than or equal to 24").
NUMBER_REFUSALS = (
    "invalid",
    "min_value",
    "max_value",
    "max_string_length",
    "max_digits",
    "max_decimal_places",
    "max_whole_digits",
)


def _messages(message: StrOrPromise) -> dict[str, StrOrPromise]:
    """The service's message for a range, for every way DRF can refuse the number."""
    return dict.fromkeys(NUMBER_REFUSALS, message)


def _optional_whole(
    low: int, high: int, message: StrOrPromise, help_text: str
) -> serializers.IntegerField:
    """A whole-number answer one may leave out (or send null), refused in the service's words."""
    return serializers.IntegerField(
        min_value=low,
        max_value=high,
        required=False,
        allow_null=True,
        default=None,
        error_messages=_messages(message),
        help_text=help_text,
    )


TRUE_OR_FALSE = _("Send true or false.")
NOT_A_RED_FLAG = _("“{input}” is not one of the red flags.")
FLARE_REQUIRED = _("Say whether there was a flare-up this week: true or false.")
RED_FLAGS_REQUIRED = _(
    "List the red flags reported; send [] together with no_red_flags: true when there were none."
)


# The shape of a check-in. Its ranges and the rules between answers are the service's
# (services.check_in_submit), which the web form shares; the ranges are repeated here, with the
# service's own words, so that the schema shows them.
class CheckInInputSerializer(serializers.Serializer[Any]):
    fdi_answers = serializers.ListField(
        child=serializers.IntegerField(
            min_value=0,
            max_value=records.FDI_ANSWER_MAX,
            allow_null=True,
            error_messages=_messages(records.FDI_ANSWER_RANGE),
        ),
        required=False,
        allow_null=True,
        default=None,
        error_messages={"not_a_list": _("Send the 15 answers as a list.")},
        help_text="The Functional Disability Inventory, all or nothing: 15 answers, 0 (no "
        "trouble) to 4 (impossible), in item order; null (or leave it out) to skip it. A list "
        "with some answers missing (null) is refused, saying how many are missing. Taken only "
        "when the FDI is due (`fdi_due` of GET .../check-ins/due/) or in the week after one "
        "was answered; refused at any other time.",
    )
    sleep_hours = serializers.DecimalField(
        max_digits=None,
        decimal_places=None,
        min_value=0,
        max_value=records.SLEEP_HOURS_MAX,
        required=False,
        allow_null=True,
        default=None,
        error_messages=_messages(records.SLEEP_HOURS_RANGE),
        help_text="Hours on a usual night: 0 to 24, in half hours (7.5).",
    )
    sleep_quality = _optional_whole(
        records.SCALE_LOW,
        records.SCALE_HIGH,
        records.SLEEP_QUALITY_RANGE,
        "1 (very badly) to 5 (very well).",
    )
    mood = _optional_whole(
        records.SCALE_LOW, records.SCALE_HIGH, records.MOOD_RANGE, "1 (very low) to 5 (very good)."
    )
    school_days_attended = _optional_whole(
        0,
        MAX_SCHOOL_DAYS,
        records.SCHOOL_DAYS_RANGE,
        "Days at school this week, 0 to `school_days_scheduled` (which it needs).",
    )
    school_days_scheduled = _optional_whole(
        0,
        MAX_SCHOOL_DAYS,
        records.SCHOOL_DAYS_RANGE,
        "School days this week, 0 to 7; null in holidays. With a number above 0, "
        "`school_days_attended` is needed too.",
    )
    flare = serializers.BooleanField(
        error_messages={
            "required": FLARE_REQUIRED,
            "null": FLARE_REQUIRED,
            "invalid": TRUE_OR_FALSE,
        },
        help_text="Required: was there a flare-up this week? There is no default.",
    )
    red_flags = serializers.ListField(
        child=serializers.ChoiceField(
            choices=[flag.value for flag in RedFlag],
            error_messages={"invalid_choice": NOT_A_RED_FLAG},
        ),
        max_length=len(RedFlag),
        error_messages={
            "required": RED_FLAGS_REQUIRED,
            "null": RED_FLAGS_REQUIRED,
            "not_a_list": RED_FLAGS_REQUIRED,
            "max_length": _("Give each red flag once."),
        },
        help_text="Required: the signs reported that are not part of the pain condition; any "
        "one pauses the program and alerts the therapist. `[]` only together with "
        "`no_red_flags: true`.",
    )
    no_red_flags = serializers.BooleanField(
        required=False,
        default=False,
        error_messages={"invalid": TRUE_OR_FALSE, "null": TRUE_OR_FALSE},
        help_text="True when the person said none of the red flags happened: an empty "
        "`red_flags` on its own is refused, so a question left unanswered is never read "
        'as "none".',
    )
    pain = _optional_whole(
        0,
        records.PAIN_MAX,
        records.PAIN_RANGE,
        "Optional, 0-10. Recorded only: it never changes a dose.",
    )


class CheckInSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    date = serializers.DateField()
    submitted_at = serializers.DateTimeField()
    fdi_answers = serializers.ListField(child=serializers.IntegerField(), allow_null=True)
    fdi_total = serializers.IntegerField(allow_null=True)
    fdi_band = serializers.SerializerMethodField()
    sleep_hours = serializers.DecimalField(
        max_digits=3, decimal_places=1, coerce_to_string=False, allow_null=True
    )
    sleep_quality = serializers.IntegerField(allow_null=True)
    mood = serializers.IntegerField(allow_null=True)
    school_days_attended = serializers.IntegerField(allow_null=True)
    school_days_scheduled = serializers.IntegerField(allow_null=True)
    flare = serializers.BooleanField()
    red_flags = serializers.ListField(child=serializers.CharField())
    pain = serializers.IntegerField(allow_null=True)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_fdi_band(self, check_in: Any) -> str | None:
        return check_in.fdi_band or None


class FdiItemSerializer(serializers.Serializer[Any]):
    number = serializers.IntegerField(help_text="The question's place, 1 to 15.")
    text = serializers.CharField(help_text="The everyday activity it asks about.")


class FdiChoiceSerializer(serializers.Serializer[Any]):
    value = serializers.IntegerField(help_text="The answer as sent in `fdi_answers`, 0-4.")
    text = serializers.CharField(help_text="The answer in words.")


class CheckInDueSerializer(serializers.Serializer[Any]):
    """Built from ``selectors.check_in_due``: what the next check-in asks."""

    check_in_due = serializers.BooleanField(
        source="due",
        help_text="The weekly check-in waits: none sent yet, or the last one a week old.",
    )
    last_check_in = serializers.DateField(
        allow_null=True, help_text="The date of the latest check-in; null if none yet."
    )
    fdi_due = serializers.BooleanField(
        source="fdi.due",
        help_text="Ask the 15 FDI questions in this check-in: at the program's first check-in "
        "(its baseline), then every `fdi_every_weeks` weeks of the program. One left out when "
        "due is asked again the next time.",
    )
    fdi_every_weeks = serializers.IntegerField(
        source="fdi.every_weeks", help_text="How often the FDI is asked, in weeks."
    )
    fdi_last_answered = serializers.DateField(
        source="fdi.last_answered",
        allow_null=True,
        help_text="When the FDI was last answered in this program; null if not yet.",
    )
    fdi_items = serializers.SerializerMethodField(
        help_text="The questions to ask when the FDI is due, in the order of `fdi_answers`; "
        "empty when it is not."
    )
    fdi_choices = serializers.SerializerMethodField(
        help_text="The five answers each question offers: send their `value` in `fdi_answers`."
    )

    @extend_schema_field(FdiItemSerializer(many=True))
    def get_fdi_items(self, due: CheckInDue) -> list[dict[str, Any]]:
        if not due.fdi.due:
            return []
        return [{"number": number, "text": str(text)} for number, text in enumerate(FDI_ITEMS, 1)]

    @extend_schema_field(FdiChoiceSerializer(many=True))
    def get_fdi_choices(self, due: CheckInDue) -> list[dict[str, Any]]:
        return [{"value": value, "text": str(text)} for value, text in FDI_ANSWERS]


# The US crisis line, as links a phone opens: a call, a text message, and 911 for danger now.
CRISIS_LINE = {
    "name": _("988 Suicide & Crisis Lifeline"),
    "call": "tel:988",
    "text": "sms:988",
    "emergency": "tel:911",
}


class CrisisLineSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(help_text="The line's name, in the reader's language.")
    call = serializers.CharField(help_text="A tel: link that calls the line.")
    text = serializers.CharField(help_text="An sms: link that texts the line.")
    emergency = serializers.CharField(help_text="A tel: link for danger now (911).")


class CheckInCreatedSerializer(CheckInSerializer):
    """A new check-in (from ``services.check_in_submit``'s result) and what to do next."""

    guidance = serializers.CharField(
        allow_null=True,
        help_text="After a red flag: what to do now, to show first, in the reader's language. "
        "For thoughts of self-harm it leads with the crisis line (988, and 911 for danger "
        "now; in Spanish it says how to reach 988 in Spanish: call and press 2, or text "
        "AYUDA); for other red flags it says to contact the doctor. Null otherwise.",
    )
    guidance_code = serializers.ChoiceField(
        choices=["guidance.crisis", "guidance.crisis_and_doctor", "guidance.contact_doctor"],
        allow_null=True,
        help_text="The guidance as a stable machine code, the same in every language: "
        "guidance.crisis (thoughts of self-harm), guidance.crisis_and_doctor (self-harm and "
        "other red flags), guidance.contact_doctor (other red flags only), or null.",
    )
    guidance_kind = serializers.ChoiceField(
        choices=["crisis", "contact_doctor"],
        allow_null=True,
        help_text="crisis (thoughts of self-harm, with or without other red flags), "
        "contact_doctor (other red flags only), or null.",
    )
    crisis_line = CrisisLineSerializer(
        allow_null=True,
        help_text="For thoughts of self-harm: links to call or text the crisis line and to "
        "call 911, to show as buttons. Null otherwise.",
    )
    program_paused = serializers.BooleanField(
        help_text="The patient's program is paused until their therapist resumes it."
    )
    not_saved = serializers.ListField(
        child=serializers.CharField(),
        help_text="A check-in that reports a red flag is taken even when other answers have a "
        "problem (the flag is passed on at once): the fields left out for theirs, to ask "
        "again in a new check-in. Empty otherwise.",
    )

    def to_representation(self, result: CheckInResult) -> dict[str, Any]:
        program = result.check_in.program
        # The program row was read before the check-in: paused then, or paused by it now.
        paused = (program is not None and program.status == Program.Status.PAUSED) or (
            result.review is not None and result.review.decision == Decision.PAUSE
        )
        flags = result.check_in.red_flags
        crisis = RedFlag.SELF_HARM.value in flags
        return {
            **CheckInSerializer(result.check_in, context=self.context).data,
            "guidance": reasons.text(result.guidance) if result.guidance is not None else None,
            "guidance_code": str(result.guidance.code) if result.guidance is not None else None,
            "guidance_kind": "crisis" if crisis else "contact_doctor" if flags else None,
            "crisis_line": {key: str(value) for key, value in CRISIS_LINE.items()}
            if crisis
            else None,
            "program_paused": paused,
            "not_saved": list(result.not_saved),
        }


# -- Progress -------------------------------------------------------------------------------


class WeekProgressSerializer(serializers.Serializer[Any]):
    week = serializers.IntegerField(help_text="The program week, counted from 1.")
    start = serializers.DateField()
    done_minutes = serializers.FloatField(help_text="Active minutes done.")
    planned_minutes = serializers.FloatField()
    sessions_done = serializers.IntegerField()
    sessions_planned = serializers.IntegerField()


class FdiPointSerializer(serializers.Serializer[Any]):
    date = serializers.DateField()
    total = serializers.IntegerField(help_text="0-60; lower is better.")
    band = serializers.ChoiceField(choices=[band.value for band in FdiBand])


class MilestoneSerializer(serializers.Serializer[Milestone]):
    kind = serializers.ChoiceField(
        choices=Milestone.Kind.choices,
        help_text="first_full_week (every session of a program week done or partly done), "
        "halfway (a session done on or after the day halfway to the goal date) or "
        "goal_reached (a session done in full with every activity at its goal).",
    )
    name = serializers.CharField(source="get_kind_display")
    reached_on = serializers.DateField(help_text="The day of the session that reached it.")
    celebrated = serializers.SerializerMethodField(
        help_text="Already shown to the patient (on any phone, or the guardian's): show it once."
    )

    def get_celebrated(self, milestone: Milestone) -> bool:
        return milestone.shown_at is not None


class CelebratedSerializer(serializers.Serializer[Any]):
    milestones = MilestoneSerializer(
        many=True,
        help_text="The milestones to celebrate now, oldest first: those not shown before, now "
        "marked shown. Empty when there is nothing new.",
    )


class ProgressSerializer(serializers.Serializer[Any]):
    """Built from ``selectors.progress``; there is no pain in it, on purpose."""

    weeks = WeekProgressSerializer(
        many=True, help_text="Active minutes and sessions per week, done and planned."
    )
    adherence = serializers.FloatField(
        allow_null=True, help_text="Sessions done / sessions planned so far, 0-1."
    )
    goals = serializers.CharField(help_text="The goals in the patient's own words.")
    phase = serializers.CharField(allow_null=True)
    week = serializers.IntegerField(allow_null=True, help_text="The current week, from 1.")
    program_status = serializers.CharField(source="program.status", allow_null=True)
    fdi = serializers.SerializerMethodField(help_text="Functional Disability Inventory over time.")
    milestones = MilestoneSerializer(
        many=True,
        help_text="The milestones the program has reached, oldest first; each says whether it "
        "was celebrated already (POST .../milestones/celebrate/ marks the others).",
    )

    @extend_schema_field(FdiPointSerializer(many=True))
    def get_fdi(self, progress: Progress) -> list[dict[str, Any]]:
        return [
            {"date": day.isoformat(), "total": total, "band": fdi_band(total).value}
            for day, total in progress.fdi
        ]
