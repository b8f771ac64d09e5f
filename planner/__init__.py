"""The progression engine: plain Python that turns a baseline and goals into a graded schedule.

No Django, no database, no clock: today is always passed in. Everything public is importable
from here.
"""

from planner.baseline import start_quota
from planner.errors import PlannerInputError
from planner.fdi import FDI_ITEM_COUNT, FdiBand, FdiScore, fdi_band, fdi_score
from planner.intensity import (
    BAND_FRACTIONS,
    HOME_CEILING,
    OMNI_TARGETS,
    ExertionRange,
    HeartRateRange,
    IntensityBand,
    MaxHeartRateMethod,
    band_heart_rate_range,
    exertion_range,
    heart_rate_range,
    karvonen,
    max_heart_rate,
)
from planner.program import (
    ActivityKind,
    ActivityPlan,
    HeartRateProfile,
    ProgramPlan,
    validate_plan,
)
from planner.review import (
    ActivityResult,
    AlertKind,
    CheckIn,
    Decision,
    RedFlag,
    Review,
    ReviewRules,
    SessionLog,
    SessionStatus,
    red_flag_guidance,
    resume_schedule,
    weekly_review,
)
from planner.schedule import (
    Dose,
    Feasibility,
    Phase,
    Schedule,
    Session,
    assess_feasibility,
    generate_schedule,
    regenerate_schedule,
    taper_weekdays,
)
from planner.units import MAX_AMOUNT, Unit

__all__ = [
    "BAND_FRACTIONS",
    "FDI_ITEM_COUNT",
    "HOME_CEILING",
    "MAX_AMOUNT",
    "OMNI_TARGETS",
    "ActivityKind",
    "ActivityPlan",
    "ActivityResult",
    "AlertKind",
    "CheckIn",
    "Decision",
    "Dose",
    "ExertionRange",
    "FdiBand",
    "FdiScore",
    "Feasibility",
    "HeartRateProfile",
    "HeartRateRange",
    "IntensityBand",
    "MaxHeartRateMethod",
    "Phase",
    "PlannerInputError",
    "ProgramPlan",
    "RedFlag",
    "Review",
    "ReviewRules",
    "Schedule",
    "Session",
    "SessionLog",
    "SessionStatus",
    "Unit",
    "assess_feasibility",
    "band_heart_rate_range",
    "exertion_range",
    "fdi_band",
    "fdi_score",
    "generate_schedule",
    "heart_rate_range",
    "karvonen",
    "max_heart_rate",
    "red_flag_guidance",
    "regenerate_schedule",
    "resume_schedule",
    "start_quota",
    "taper_weekdays",
    "validate_plan",
    "weekly_review",
]
