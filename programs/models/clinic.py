"""People: clinics and their staff, patients and their guardians."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from planner.intensity import MAX_AGE, MIN_AGE
from programs.zones import time_zone_problem


def validate_time_zone(value: str) -> None:
    """A real place's IANA zone or UTC (see programs/zones.py): the admin's forms and the
    services' full_clean both run this, so no path saves ``localtime`` or ``EST5EDT``."""
    problem = time_zone_problem(value)
    if problem is not None:
        raise ValidationError(problem, code="time_zone")


# The ages the engine's heart-rate formulas hold for (planner.intensity: 5 to 100 years), and
# the children's OMNI scale and the check-ins need a child old enough to answer them.
YOUNGEST_PATIENT_YEARS = MIN_AGE
OLDEST_PATIENT_YEARS = MAX_AGE


def age_on(date_of_birth: date, day: date) -> int:
    """Whole years of age on ``day``."""
    birthday_passed = (day.month, day.day) >= (date_of_birth.month, date_of_birth.day)
    return day.year - date_of_birth.year - (0 if birthday_passed else 1)


def birth_date_problem(value: object, today: date) -> str | None:
    if not isinstance(value, date):
        return None  # the field's own check says so
    if value > today:
        return gettext("is in the future")
    age = age_on(value, today)
    if age < YOUNGEST_PATIENT_YEARS:
        return gettext("makes the patient %(age)s; gradus plans for patients from %(low)s") % {
            "age": age,
            "low": YOUNGEST_PATIENT_YEARS,
        }
    if age > OLDEST_PATIENT_YEARS:
        return gettext("is more than %(high)s years ago; is the year right?") % {
            "high": OLDEST_PATIENT_YEARS
        }
    return None


# Words a clinic's short name may not contain. The short name is in every text message and
# email subject, and those show on lock screens and in notification previews, to anyone near
# the phone: a word there that names a condition tells them the child has it. Three kinds:
# - the conditions gradus serves (Patient.Diagnosis) by their names, old names and
#   abbreviations: amplified musculoskeletal pain (AMPS), complex regional pain syndrome
#   (CRPS, formerly reflex sympathetic dystrophy, RSD), juvenile fibromyalgia (JFM),
#   diffuse idiopathic pain;
# - pain itself, and the words that make a condition of anything: chronic, syndrome;
# - the specialties whose name alone says what kind of condition a child is treated for:
#   rheumatology (where amplified pain is most often treated), arthritis, and mental health
#   (pain programs often include psychology).
# Physical therapy and rehabilitation words stay allowed: they say nothing a stranger could
# read as a diagnosis, and most clinics' names have them. Matched as whole words in any case
# (letters on neither side, so "Spain" and "Painter" pass and "CRPS2" does not), with any
# spaces or hyphens inside a phrase.
CONDITION_WORDS = (
    "amps",
    "amplified",
    "amplification",
    "crps",
    "complex regional",
    "rsd",
    "reflex sympathetic",
    "dystrophy",
    "fibromyalgia",
    "fibro",
    "jfm",
    "idiopathic",
    "pain",
    "pains",
    "painful",
    "chronic",
    "syndrome",
    "syndromes",
    "rheumatology",
    "rheumatologic",
    "rheumatological",
    "rheumatic",
    "arthritis",
    "jia",
    "psychiatry",
    "psychiatric",
    "psychology",
    "psychological",
    "mental health",
    "behavioral health",
    "behavioural health",
)
_CONDITION_PATTERN = re.compile(
    r"(?<![a-z])(?:"
    + "|".join(r"[\s\-]+".join(map(re.escape, word.split())) for word in CONDITION_WORDS)
    + r")(?![a-z])",
    re.IGNORECASE,
)


def condition_word_in(text: str) -> str | None:
    """The first word (or phrase) of ``text`` that names a condition, as written; None when
    there is none. Accents are read as their plain letters ("Páin" is "pain")."""
    plain = "".join(
        char for char in unicodedata.normalize("NFKD", text) if not unicodedata.combining(char)
    )
    found = _CONDITION_PATTERN.search(plain)
    return found.group() if found else None


def validate_short_name(value: str) -> None:
    word = condition_word_in(value)
    if word is not None:
        raise ValidationError(
            _(
                "Text messages and email subjects show this name on lock screens, so it "
                "cannot name a condition or a specialty: remove “%(word)s”. A place or a "
                "plain name works, such as “Riverside Clinic”."
            ),
            code="names_a_condition",
            params={"word": word},
        )


class User(AbstractUser):
    """A person who signs in: staff, a patient or a guardian (roles come from the links)."""

    # The words they read gradus in (settings.PEOPLE_LANGUAGES); their clinic's locale adds
    # how dates and times are written (programs.locale). "" until they choose: then their
    # browser's, and the language of the page they first sign in on is kept as theirs.
    language = models.CharField(
        max_length=8,
        blank=True,
        default="",
        choices=settings.PEOPLE_LANGUAGES,
        help_text="The language their pages and emails are written in (blank: their browser's).",
    )

    class Meta:
        db_table = "programs_user"


def optional_user(related_name: str = "+") -> models.ForeignKey[User | None, User | None]:
    """A link to a user that may be empty: who did something, when a person did. Deleting the
    account empties the link and keeps the record."""
    return models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name=related_name
    )


class Clinic(models.Model):
    class Locale(models.TextChoices):
        """How the clinic's pages and reminders write dates and times (each a language code
        whose formats config/formats/ holds). Translations are a separate matter: the language
        part is English for both."""

        EN_US = "en-us", _("US: Dec 3, 3:30 PM")
        EN_GB = "en-gb", _("UK: 3 Dec, 15:30")

    name = models.CharField(max_length=120)
    short_name = models.CharField(
        max_length=24,
        blank=True,
        validators=[validate_short_name],
        help_text="How text messages and email subjects name the clinic (at most 24 "
        'characters); they say "gradus" when blank. Words that name a condition or a '
        'specialty ("pain", "CRPS", "rheumatology") are refused: these show on lock screens.',
    )
    time_zone = models.CharField(
        max_length=64, default="America/New_York", validators=[validate_time_zone]
    )
    locale = models.CharField(
        max_length=8,
        choices=Locale.choices,
        default=Locale.EN_US,
        help_text="How dates and times are written on its pages and in its reminders.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class StaffMembership(models.Model):
    class Role(models.TextChoices):
        THERAPIST = "therapist", _("Therapist")
        CLINIC_ADMIN = "clinic_admin", _("Clinic admin")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.THERAPIST)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "clinic"], name="one_membership_per_clinic")
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()}, {self.clinic})"


class Patient(models.Model):
    class Diagnosis(models.TextChoices):
        JUVENILE_FIBROMYALGIA = "juvenile_fibromyalgia", _("Juvenile fibromyalgia")
        CRPS = "crps", _("Complex regional pain syndrome")
        DIFFUSE_IDIOPATHIC_PAIN = "diffuse_idiopathic_pain", _("Diffuse idiopathic pain")
        OTHER = "other", _("Other amplified pain")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        RELAPSE_WATCH = "relapse_watch", _("Relapse watch")
        DISCHARGED = "discharged", _("Discharged")
        ARCHIVED = "archived", _("Archived")

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="patients")
    user = models.OneToOneField(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="patient"
    )
    first_name = models.CharField(max_length=60)
    last_name = models.CharField(max_length=60)
    date_of_birth = models.DateField()
    time_zone = models.CharField(max_length=64, validators=[validate_time_zone])
    diagnosis = models.CharField(max_length=32, choices=Diagnosis.choices)
    resting_heart_rate = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(30), MaxValueValidator(120)],
        help_text="Beats per minute, measured at rest.",
    )
    therapists = models.ManyToManyField(User, blank=True, related_name="assigned_patients")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        indexes = [models.Index(fields=["clinic", "status"])]

    def __str__(self) -> str:
        return self.full_name

    def clean(self) -> None:
        # Here rather than in a service so the admin's patient form gets it too.
        problem = birth_date_problem(self.date_of_birth, timezone.now().date())
        if problem is not None:
            raise ValidationError({"date_of_birth": [problem]})

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def age_on(self, day: date) -> int:
        """Whole years of age on ``day``."""
        return age_on(self.date_of_birth, day)

    def is_minor_on(self, day: date) -> bool:
        return self.age_on(day) < 18


class Guardian(models.Model):
    """A parent or carer linked to one patient; the same user may guard several children."""

    class Relation(models.TextChoices):
        MOTHER = "mother", _("Mother")
        FATHER = "father", _("Father")
        PARENT = "parent", _("Parent")
        GRANDPARENT = "grandparent", _("Grandparent")
        LEGAL_GUARDIAN = "legal_guardian", _("Legal guardian")
        OTHER = "other", _("Other")

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="guardians")
    user = optional_user(related_name="guardianships")
    first_name = models.CharField(max_length=60)
    last_name = models.CharField(max_length=60)
    relation = models.CharField(max_length=20, choices=Relation.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "user"],
                name="one_guardian_link_per_user_and_patient",
                condition=models.Q(user__isnull=False),
            )
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name} ({self.get_relation_display()})"
