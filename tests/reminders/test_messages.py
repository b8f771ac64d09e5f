"""What reminders say: every text fits one GSM-7 segment, as the carrier counts it, with the
longest names, days and times we allow, in every locale (en-us, en-gb, es-us, es); each is in
its recipient's language; and no message carries a diagnosis or a detail of the program."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation
from django.utils.formats import date_format
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from programs.models import Clinic, Patient, PlannedDose, Program
from reminders.locale import message_locale
from reminders.messages import (
    CLINIC_NAME_MAX,
    GSM7,
    SMS_MAX,
    SMS_NAME_MAX,
    clock,
    gsm7,
    help_text,
    render,
    sms_length,
    sms_name,
    unsubscribe_headers,
)
from reminders.models import Channel, Contact, Reminder
from tests.programs.factories import ActivityFactory, active_program, activity_choice
from tests.programs.factories import patient as make_patient
from tests.reminders.factories import contact_row, reminder_row

pytestmark = pytest.mark.django_db

ZONE = "America/New_York"
# The longest names we allow: a clinic's short name has 24 characters, a first name 60.
CLINIC_NAMES = {
    "non-GSM": "Ñúñez Łódź Kids Clinic 🌟",
    "GSM-7": "Riverside Children's Hos",
    "none": "",  # no short name: never the full name, which may name the condition
}
FIRST_NAMES = {
    "non-GSM": ("Zoë Łukasiewicz-Ñúñez 🌟 Wilhelmina-Maximiliana " + "Ŵ" * 60)[:60],
    "GSM-7": ("Alexandria-Maximiliana Wilhelmina " + "W" * 60)[:60],
}
# A Wednesday 30 September at 10:45 pm: the longest day and time the texts can name, in
# each locale ("Wednesday, September 30" and "10:45 PM"; "Wednesday 30 September", "22:45").
SESSION_DAY = date(2026, 9, 30)
SESSION_TIME = time(22, 45)
ROLES = [Contact.Role.PATIENT, Contact.Role.GUARDIAN]
# Each locale a message is written in, and how a recipient comes to it: (their clinic's
# locale, their own language). A Spanish speaker at a US clinic reads "es-us".
WRITTEN_IN = {
    "en-us": ("en-us", "en"),
    "en-gb": ("en-gb", "en"),
    "es-us": ("en-us", "es"),
    "es": ("en-gb", "es"),
}
LOCALES = list(WRITTEN_IN)
# How every text ends, in its language: proof of the language it is written in.
OPT_OUT = {
    "en-us": "Reply STOP to opt out.",
    "en-gb": "Reply STOP to opt out.",
    "es-us": "Responder STOP para cancelar.",
    "es": "Responder STOP para cancelar.",
}


def test_the_day_and_time_used_here_are_the_longest_each_locale_writes() -> None:
    """No day of the year nor minute of the day is written longer than SESSION_DAY and
    SESSION_TIME, in any locale: "Wednesday, September 30", "miércoles 30 de septiembre",
    "10:45 PM", "10:45 p.m." (as long as "12:45 p.m.")."""
    days = [date(2026, 1, 1) + timedelta(days=n) for n in range(365)]
    minutes = [time(hour, minute) for hour in range(24) for minute in range(60)]
    for locale in LOCALES:
        with translation.override(locale):
            longest_day = max(len(date_format(day, "WEEKDAY_DATE_FORMAT")) for day in days)
            longest_time = max(len(clock(minute)) for minute in minutes)

            assert len(date_format(SESSION_DAY, "WEEKDAY_DATE_FORMAT")) == longest_day, locale
            assert len(clock(SESSION_TIME)) == longest_time, locale


def test_the_names_used_here_are_the_longest_we_allow() -> None:
    assert all(len(name) == CLINIC_NAME_MAX for name in CLINIC_NAMES.values() if name)
    assert all(len(name) == 60 for name in FIRST_NAMES.values())
    assert Clinic._meta.get_field("short_name").max_length == CLINIC_NAME_MAX
    assert Patient._meta.get_field("first_name").max_length == 60


@pytest.fixture
def program() -> Program:
    """A running program of a patient with CRPS, with activities and doses a text must not
    name, at a clinic whose full name would give the diagnosis away."""
    clinic = Clinic.objects.create(
        name=("Amplified Pain Syndrome and Fibromyalgia Rehabilitation Centre " * 3)[:120],
        short_name=CLINIC_NAMES["GSM-7"],
        time_zone=ZONE,
    )
    child = make_patient(
        clinic=clinic,
        first_name=FIRST_NAMES["GSM-7"],
        diagnosis=Patient.Diagnosis.CRPS,
        time_zone=ZONE,
    )
    return active_program(
        patient=child,
        activities=[
            activity_choice(ActivityFactory.create(name="Stationary bike", kind="aerobic")),
            activity_choice(
                ActivityFactory.create(name="Towel scrunches", kind="desensitization"),
                baseline_trials=[5],
                goal_quota=10,
            ),
        ],
    )


def named(program: Program, clinic: str, first: str, locale: str = "en-us") -> None:
    """Give the program's clinic and patient the longest names of a kind, and the clinic the
    locale a message written in ``locale`` comes from (in memory: render reads the objects it
    is given)."""
    program.patient.clinic.short_name = CLINIC_NAMES[clinic]
    program.patient.clinic.locale = WRITTEN_IN[locale][0]
    program.patient.first_name = FIRST_NAMES[first]


def contact_for(program: Program, role: str) -> Contact:
    child = program.patient
    if role == Contact.Role.PATIENT:
        return contact_row(patient=child, name=child.first_name)
    return contact_row(patient=child, role=Contact.Role.GUARDIAN, name="Łucja Ñúñez-Łukasiewicz 🌟")


def forbidden_words(program: Program) -> list[str]:
    """What a text or subject must never say: the diagnosis, and any detail of the program."""
    words = ["pain", "CRPS", "fibromyalgia", "diagnos", "exercise", "dose", "program", "goal"]
    words += [str(label) for _, label in Patient.Diagnosis.choices]
    words += [value.replace("_", " ") for value in Patient.Diagnosis.values]
    words.append(program.goals)
    for activity in program.activities.all():
        words += [activity.name, activity.kind, activity.unit]
    for dose in PlannedDose.objects.filter(session__program=program):
        words.append(f"{dose.amount} {dose.unit}")
    return words


def assert_fit_for_a_text(body: str, forbidden: list[str]) -> None:
    """One GSM-7 segment as the carrier counts it, and no health detail."""
    length = sms_length(body)
    assert length.gsm7 and set(body) <= GSM7, f"not GSM-7: {set(body) - GSM7} in {body!r}"
    assert length.segments == 1 and length.units <= SMS_MAX, f"{length}: {body!r}"
    for word in forbidden:
        assert word.lower() not in body.lower(), f"{word!r} in {body!r}"


def session_reminder(lead: str, days_before: int) -> Callable[[Contact, Program], Reminder]:
    """A reminder, ``days_before`` the day with ``lead``, of the session at SESSION_TIME on
    SESSION_DAY."""

    def build(contact: Contact, program: Program) -> Reminder:
        return reminder_row(
            contact,
            program=program,
            lead=lead,
            session_starts_at=datetime.combine(SESSION_DAY, SESSION_TIME, tzinfo=ZoneInfo(ZONE)),
            local_date=SESSION_DAY - timedelta(days=days_before),
        )

    return build


session_today = session_reminder("60m", 0)
session_tomorrow = session_reminder("evening_before", 1)
session_later = session_reminder("2880m", 2)


def missed_nudge(contact: Contact, program: Program) -> Reminder:
    return reminder_row(contact, program=program, kind=Reminder.Kind.MISSED_NUDGE, lead="")


def check_in_due(contact: Contact, program: Program) -> Reminder:
    return reminder_row(contact, program=program, kind=Reminder.Kind.CHECK_IN_DUE, lead="")


TEXTS: dict[str, Callable[[Contact, Program], Reminder]] = {
    "session today": session_today,
    "session tomorrow": session_tomorrow,
    "session another day": session_later,
    "missed-session nudge": missed_nudge,
    "check-in due": check_in_due,
}


Build = Callable[..., tuple[Contact, Program]]


@pytest.fixture
def build(program: Program) -> Build:
    """The program named with the longest names of a kind, and a contact of ``role`` whose
    messages are written in ``locale`` (their clinic's locale and their own language)."""
    contacts: dict[str, Contact] = {}

    def make(clinic: str, first: str, role: str, locale: str = "en-us") -> tuple[Contact, Program]:
        named(program, clinic, first, locale)
        if role not in contacts:
            contacts[role] = contact_for(program, role)
        contacts[role].language = WRITTEN_IN[locale][1]
        return contacts[role], program

    return make


@pytest.mark.parametrize("kind", list(TEXTS))
def test_every_text_fits_one_gsm7_segment_and_says_nothing_of_health(
    build: Build, kind: str
) -> None:
    for clinic, first, role, locale in itertools.product(CLINIC_NAMES, FIRST_NAMES, ROLES, LOCALES):
        contact, program = build(clinic, first, role, locale)

        body = render(TEXTS[kind](contact, program)).body

        assert_fit_for_a_text(body, forbidden_words(program))
        assert body.endswith(OPT_OUT[locale]), f"not in {locale}: {body!r}"


@pytest.mark.parametrize("kind", list(TEXTS))
def test_every_text_is_written_in_gsm7_before_any_folding(
    build: Build, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    """The words of every language are GSM-7 themselves (the Spanish says "rutina", never
    "sesión"): folding is for names, and never misspells what we wrote."""
    monkeypatch.setattr("reminders.messages.gsm7", lambda text: text)
    for role, locale in itertools.product(ROLES, LOCALES):
        contact, program = build("GSM-7", "GSM-7", role, locale)

        body = render(TEXTS[kind](contact, program)).body

        assert_fit_for_a_text(body, [])


# Any name a clinic or a patient may have: every printable character (and more), up to the
# longest each field takes.
NAMES = st.text(st.characters(exclude_categories=["Cs"]), max_size=60)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(short_name=NAMES.map(lambda name: name[:CLINIC_NAME_MAX]), first_name=NAMES)
def test_any_names_leave_every_text_one_gsm7_segment_in_every_locale(
    build: Build, short_name: str, first_name: str
) -> None:
    for kind, role, locale in itertools.product(TEXTS, ROLES, LOCALES):
        contact, program = build("GSM-7", "GSM-7", role, locale)
        program.patient.clinic.short_name = short_name
        program.patient.first_name = first_name

        body = render(TEXTS[kind](contact, program)).body

        length = sms_length(body)
        assert length.gsm7 and length.segments == 1, f"{length}: {body!r}"
        assert body.endswith(OPT_OUT[locale])


@pytest.mark.parametrize("clinic", list(CLINIC_NAMES))
def test_the_help_reply_fits_one_gsm7_segment_and_says_nothing_of_health(
    program: Program, clinic: str
) -> None:
    named(program, clinic, "non-GSM")
    patient_clinic = program.patient.clinic

    body = help_text(patient_clinic.short_name)

    assert_fit_for_a_text(body, forbidden_words(program))
    assert "Reply STOP to stop them" in body


def test_a_guardian_text_names_the_child_by_first_name_cut_to_fit(
    build: Build,
) -> None:
    contact, program = build("non-GSM", "non-GSM", Contact.Role.GUARDIAN)

    body = render(session_today(contact, program)).body

    assert body == (
        "Reminder from Ñuñez Lodz Kids Clinic: Zoe Lukasiewicz-Ñuñe's session is today at "
        "10:45 PM. Reply STOP to opt out."
    )
    assert "Okafor" not in body and "Łucja" not in body


@pytest.mark.parametrize(
    ("locale", "make", "says"),
    [
        ("en-us", session_today, "your session is today at 10:45 PM."),
        ("en-us", session_tomorrow, "your session is tomorrow at 10:45 PM."),
        ("en-us", session_later, "your session is on Wednesday, September 30 at 10:45 PM."),
        ("en-gb", session_today, "your session is today at 22:45."),
        ("en-gb", session_tomorrow, "your session is tomorrow at 22:45."),
        ("en-gb", session_later, "your session is on Wednesday 30 September at 22:45."),
        ("es-us", session_today, "tu rutina es hoy, 10:45 p.m."),
        ("es-us", session_tomorrow, "tu rutina es mañana, 10:45 p.m."),
        ("es-us", session_later, "tu rutina es el miércoles 30 de septiembre, 10:45 p.m."),
        ("es", session_today, "tu rutina es hoy, 22:45."),
        ("es", session_tomorrow, "tu rutina es mañana, 22:45."),
        ("es", session_later, "tu rutina es el miércoles 30 de septiembre, 22:45."),
    ],
)
def test_a_session_text_says_when_in_the_patients_own_words_as_their_clinic_writes_it(
    build: Build,
    locale: str,
    make: Callable[[Contact, Program], Reminder],
    says: str,
) -> None:
    contact, program = build("GSM-7", "GSM-7", Contact.Role.PATIENT, locale)

    body = render(make(contact, program)).body

    reminder_from = "Recordatorio de" if locale.startswith("es") else "Reminder from"
    assert body == f"{reminder_from} Riverside Children's Hos: {says} {OPT_OUT[locale]}"


@pytest.mark.parametrize(
    ("locale", "when"),
    [
        ("en-us", "session is on Wednesday, September 30 at 10:45 PM. Reply STOP"),
        ("en-gb", "session is on Wednesday 30 September at 22:45. Reply STOP"),
        ("es-us", "es el miércoles 30 de septiembre, 10:45 p.m. Responder STOP"),
        ("es", "es el miércoles 30 de septiembre, 22:45. Responder STOP"),
    ],
)
def test_the_longest_text_of_each_locale_is_one_segment_written_its_way(
    build: Build, locale: str, when: str
) -> None:
    contact, program = build("GSM-7", "GSM-7", Contact.Role.GUARDIAN, locale)

    body = render(session_later(contact, program)).body

    assert when in body
    assert_fit_for_a_text(body, [])


def test_an_email_and_a_push_are_written_as_the_clinic_writes_times(build: Build) -> None:
    contact, program = build("GSM-7", "GSM-7", Contact.Role.PATIENT, "en-gb")
    email = email_of(session_tomorrow(contact, program))
    push = session_tomorrow(contact, program)
    push.channel = Channel.PUSH

    assert "your session is tomorrow at 22:45." in render(email).body
    assert "your session is tomorrow at 22:45." in render(push).body


# Words a Spanish message must not say: it is Spanish through and through.
ENGLISH = ["Reminder", "session", "Hello", "Reply", "yesterday", "weekly", "To stop them", " PM"]


def assert_spanish(text: str) -> None:
    for word in ENGLISH:
        assert word not in text, f"{word!r} in {text!r}"


# The sentence's end: "p.m." ends it with its own period.
@pytest.mark.parametrize(("locale", "at"), [("es-us", "10:45 p.m."), ("es", "22:45.")])
def test_a_spanish_contacts_email_is_in_spanish_as_their_clinic_writes_times(
    build: Build, locale: str, at: str
) -> None:
    contact, program = build("GSM-7", "GSM-7", Contact.Role.PATIENT, locale)

    message = render(email_of(session_later(contact, program)))

    assert message.subject == "Recordatorio: Riverside Children's Hos"
    assert message.body.startswith(f"Hola {contact.name},\n\n")
    assert f"tu rutina es el miércoles 30 de septiembre, {at}\n" in message.body
    assert "Este correo llega porque se pidieron recordatorios. Para cancelarlos: " in message.body
    assert_spanish(message.subject + message.body)


@pytest.mark.parametrize(
    ("kind", "subject", "says"),
    [
        ("session tomorrow", "Recordatorio: ", "es mañana, 10:45 p.m."),
        ("missed-session nudge", "Nota de ", "no tuvo rutina, y no pasa nada."),
        ("check-in due", "Control semanal de ", "toca el control semanal de"),
    ],
)
def test_a_spanish_guardians_email_keeps_the_names_as_written(
    build: Build, kind: str, subject: str, says: str
) -> None:
    contact, program = build("non-GSM", "non-GSM", Contact.Role.GUARDIAN, "es-us")

    message = render(email_of(TEXTS[kind](contact, program)))

    assert message.subject == f"{subject}Ñúñez Łódź Kids Clinic 🌟"
    assert message.body.startswith("Hola Łucja Ñúñez-Łukasiewicz 🌟,")
    assert says in message.body and "Zoë Łukasiewicz-Ñúñez" in message.body
    assert_spanish(message.subject + message.body)


@pytest.mark.parametrize(
    ("locale", "kind", "says"),
    [
        (
            "es-us",
            "session today",
            "Recordatorio de Riverside Children's Hos: tu rutina es hoy, 10:45 p.m.",
        ),
        ("es", "session another day", "tu rutina es el miércoles 30 de septiembre, 22:45."),
        ("es-us", "missed-session nudge", "La rutina de ayer no se hizo, y no pasa nada."),
        ("es-us", "check-in due", "ya toca tu control semanal."),
    ],
)
def test_a_spanish_contacts_push_is_in_spanish_as_their_clinic_writes_times(
    build: Build, locale: str, kind: str, says: str
) -> None:
    contact, program = build("GSM-7", "GSM-7", Contact.Role.PATIENT, locale)
    push = TEXTS[kind](contact, program)
    push.channel = Channel.PUSH

    payload = json.loads(render(push).body)

    assert payload["title"] == "Riverside Children's Hos"
    assert says in payload["body"]
    assert_spanish(payload["body"])


def test_a_clinic_without_a_short_name_is_named_gradus_never_by_its_full_name(
    build: Build,
) -> None:
    contact, program = build("none", "GSM-7", Contact.Role.PATIENT)

    body = render(check_in_due(contact, program)).body

    assert body.startswith("Reminder from gradus: your weekly check-in is due.")


def email_of(reminder: Reminder) -> Reminder:
    """The same reminder, sent by email."""
    reminder.channel = Channel.EMAIL
    return reminder


def test_email_subjects_name_only_the_clinic(
    build: Build,
) -> None:
    for kind, role in itertools.product(TEXTS, ROLES):
        contact, program = build("GSM-7", "non-GSM", role)
        reminder = email_of(TEXTS[kind](contact, program))

        subject = render(reminder).subject

        assert "Riverside Children's Hos" in subject
        for word in [*forbidden_words(program), program.patient.first_name[:3]]:
            assert word.lower() not in subject.lower(), f"{word!r} in {subject!r}"


def test_an_email_says_nothing_of_health_and_carries_its_unsubscribe_link(
    build: Build,
) -> None:
    for kind, role in itertools.product(TEXTS, ROLES):
        contact, program = build("GSM-7", "GSM-7", role)
        reminder = email_of(TEXTS[kind](contact, program))

        message = render(reminder)

        link = message.headers["List-Unsubscribe"].strip("<>")
        assert link.startswith("http://127.0.0.1:8000/reminders/unsubscribe/")
        assert message.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert f"To stop them: {link}" in message.body and "Reply STOP" not in message.body
        for word in forbidden_words(program):
            assert word.lower() not in message.body.lower(), f"{word!r} in {message.body!r}"


def test_an_email_keeps_the_names_as_they_are_written(
    build: Build,
) -> None:
    contact, program = build("non-GSM", "non-GSM", Contact.Role.GUARDIAN)
    reminder = session_today(contact, program)
    reminder.channel = Channel.EMAIL

    message = render(reminder)

    assert message.body.startswith("Hello Łucja Ñúñez-Łukasiewicz 🌟,")
    assert "Ñúñez Łódź Kids Clinic 🌟: Zoë Łukasiewicz-Ñúñez" in message.body


def test_a_staff_email_without_a_contact_carries_no_unsubscribe_header() -> None:
    reminder = reminder_row(contact_row(), channel=Channel.EMAIL)
    reminder.contact = None

    assert unsubscribe_headers(reminder) == {}


# Folding to GSM-7.


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Zoë Łukasiewicz-Ñúñez", "Zoe Lukasiewicz-Ñuñez"),
        ("Ørjan Ågren", "Ørjan Ågren"),
        ("François Œuvray", "Francois OEuvray"),
        ("Maya\u2019s \u201csession\u201d \u2013 today\u2026", 'Maya\'s "session" - today...'),
        ("Zoë 🌟🌈", "Zoe "),
        ("李华", ""),
    ],
)
def test_it_folds_every_character_to_gsm7(text: str, folded: str) -> None:
    assert gsm7(text) == folded


def test_a_name_is_folded_then_cut_to_the_longest_we_allow() -> None:
    name = sms_name("  Zoë   🌟  Łukasiewicz-Ñúñez Wilhelmina ")

    assert name == "Zoe Lukasiewicz-Ñuñe"
    assert len(name) == SMS_NAME_MAX


def test_a_clinic_whose_name_folds_to_nothing_is_named_gradus(
    build: Build,
) -> None:
    contact, program = build("GSM-7", "GSM-7", Contact.Role.PATIENT)
    program.patient.clinic.short_name = "儿童诊所"

    body = render(check_in_due(contact, program)).body

    assert body.startswith("Reminder from gradus: your weekly check-in is due.")


def test_a_short_name_that_names_a_condition_is_never_sent_even_if_saved_before_the_rule(
    build: Build,
) -> None:
    contact, program = build("GSM-7", "GSM-7", Contact.Role.PATIENT)
    program.patient.clinic.short_name = "CRPS Pain Kids"  # as saved before it was refused
    reminder = check_in_due(contact, program)

    body = render(reminder).body
    reminder.channel = Channel.EMAIL
    subject = render(reminder).subject

    assert body.startswith("Reminder from gradus: your weekly check-in is due.")
    assert subject == "Weekly check-in from gradus"


def test_a_message_is_in_the_clinics_locale_unless_the_contact_reads_another_language() -> None:
    gb = Clinic(locale="en-gb")

    assert (message_locale(gb, "en"), message_locale(gb, "")) == ("en-gb", "en-gb")
    assert message_locale(Clinic(locale="en-us"), "en-gb") == "en-us"
    assert message_locale(gb, "es") == "es"
    # Spanish at a US clinic: 12-hour times, as the clinic's families read them.
    assert message_locale(Clinic(locale="en-us"), "es") == "es-us"
    assert message_locale(None) == "en-us"


def test_a_spanish_speaker_at_a_us_clinic_reads_spanish_written_the_us_way() -> None:
    assert message_locale(Clinic(locale="en-us"), "es") == "es-us"
    assert message_locale(Clinic(locale="en-us"), "es-mx") == "es-us"
    assert message_locale(None, "es") == "es-us"
