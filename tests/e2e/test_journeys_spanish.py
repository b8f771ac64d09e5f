"""The journeys of issue 12 in Spanish, in a real browser, driven by role and label:

(a) a Spanish-speaking mother opens the sign-in page in an English browser, switches it to
    Español, signs in, sees her son's today page in Spanish with a US clinic's formats
    (es-us), follows his guided session to the finish screen, opens the check-in, adds her
    phone and email for reminders (the code comes by text, in Spanish), and a session
    reminder to her goes out through the dispatcher in Spanish, by text and by email;
(b) a patient whose browser asks for Spanish signs in and reads his pages in Spanish, and a
    check-in with a red flag gives the guidance in Spanish;
(c) a Spanish-speaking therapist reads the caseload, the alerts and a patient page in Spanish.

Every page is checked as the English ones are (axe-core clean, nothing blocked by the
policy, a screenshot in var/screenshots/, named with "-es"), and more: its <html lang> is
es-US, and neither its text nor its labels for screen readers (aria-label, title, alt,
placeholder, the texts the scripts show) have an English word left. The clinic's own words
(names, the activities, the goals) are Spanish here, as a clinic writing for these families
would type them, so any English found is the app's own.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from programs import selectors
from programs.models import Activity, Alert, Clinic, Guardian, Patient, Program, User
from programs.services import check_in_submit
from programs.services.common import local_today
from reminders.channels.memory import MemorySms
from reminders.channels.recording import JOURNAL_ENV
from reminders.models import Channel, Contact, Reminder
from reminders.services.dispatch import reminders_dispatch, reminders_send
from tests.e2e.browser import PageChecks, size_of
from tests.programs import factories
from tests.programs.factories import PASSWORD
from tests.reminders.factories import due_reminder

pytestmark = [pytest.mark.requires_browser, pytest.mark.django_db(transaction=True)]

# Words of English that Spanish never uses, as whole words in any case: one of them on a
# Spanish page is a string left untranslated ("has" and "me" are Spanish words too, so absent).
ENGLISH = re.compile(
    r"\b(the|and|you|your|of|to|with|is|are|this|that|for|what|when|today|tomorrow|save|"
    r"week|weeks|session|sessions|minutes|done|sign|back|start|next|check|change|add|not|"
    r"have|will|it|on|in|at|by|from|an|or|how|did|do|time|times|day|days|program|goal|"
    r"please|reminder|reminders|here|there|more|less|only|none|yes)\b",
    re.IGNORECASE,
)
# The visible text of the page, and what screen readers and the scripts say that is not in
# it: labels, titles, alternative texts, placeholders, and the words the timer and counter
# show (data-text-*), which the scripts put in the page.
PAGE_WORDS = """() => {
  const said = [document.title, document.body.innerText];
  const named = ["aria-label", "title", "alt", "placeholder"];
  for (const element of document.querySelectorAll("*")) {
    for (const attribute of element.attributes) {
      if (named.includes(attribute.name) || attribute.name.startsWith("data-text-")) {
        said.push(attribute.value);
      }
    }
  }
  return said.join("\\n");
}"""
# Words that are the same in both languages, or names: never counted as English.
NOT_ENGLISH = ("gradus", "English")
# What the services and the engine write down in English when it happens, and the staff pages
# show as it was stored: an alert's message, a weekly review's reason, a paused program's
# reason, a revision's reason. Not translatable until they are stored as a code and its values
# (and put in words when shown); taken out here so the rest of those pages stays checked.
STORED_IN_ENGLISH = re.compile(
    r"(Week \d+ review: )?Red flag reported[^\n\t]*"
    r"|Activated; ME/CFS exclusion considered\.[^\n\t]*"
    r"|Program drafted\."
)


@dataclass(frozen=True)
class Family:
    clinic: Clinic
    therapist: User
    child: Patient
    mother: Guardian
    program: Program
    walking: Activity
    squats: Activity

    @property
    def names(self) -> tuple[str, ...]:
        return (
            self.clinic.name,
            self.therapist.get_full_name(),
            self.child.full_name,
            self.child.first_name,
            f"{self.mother.first_name} {self.mother.last_name}",
            self.walking.name,
            self.squats.name,
        )


def spanish_family(*, therapist_language: str = "") -> Family:
    """A US clinic (New York time, en-us formats) with a therapist, Mateo García (14, username
    mateo) on a guided program of walking (timed) and wall squats (counted) that started a
    week ago, and his mother Carmen García (username carmen), who has not chosen a language.
    The activities, their instructions and the goals are in Spanish."""
    clinic = factories.ClinicFactory.create(name="Clínica Riverside", short_name="Riverside")
    therapist = factories.therapist(
        clinic=clinic,
        username="ana.torres",
        first_name="Ana",
        last_name="Torres",
        language=therapist_language,
    )
    child = factories.patient(
        clinic=clinic,
        therapists=[therapist],
        with_user=True,
        user=factories.UserFactory.create(username="mateo", first_name="Mateo"),
        first_name="Mateo",
        last_name="García",
    )
    mother = factories.guardian(
        patient=child,
        user=factories.UserFactory.create(
            username="carmen", first_name="Carmen", last_name="García", email="carmen@example.org"
        ),
        first_name="Carmen",
        last_name="García",
        relation=Guardian.Relation.MOTHER,
    )
    walking = factories.ActivityFactory.create(
        name="Caminar", instructions="Camina a paso tranquilo por un lugar plano."
    )
    squats = factories.ActivityFactory.create(
        name="Sentadillas en la pared",
        kind="strengthening",
        unit="repetitions",
        instructions="Apóyate en la pared y dobla un poco las rodillas.",
    )
    program = factories.active_program(
        patient=child,
        actor=therapist,
        started_weeks_ago=1,
        goals="Ir caminando a la escuela con mis amigos.",
        activities=[
            factories.activity_choice(walking, baseline_trials=[10, 10, 10], goal_quota=30),
            factories.activity_choice(squats, baseline_trials=[8, 8, 8], goal_quota=20),
        ],
    )
    return Family(
        clinic=clinic,
        therapist=therapist,
        child=child,
        mother=mother,
        program=program,
        walking=walking,
        squats=squats,
    )


def english_words(text: str, names: Iterable[str] = ()) -> list[str]:
    """Each line of ``text`` (a block of the page, a label) with an English word in it, once
    the ``names`` (people's, the clinic's, the activities') and the words of both languages
    are taken out, and the addresses of links."""
    text = re.sub(r"https?://\S+", " ", text)
    for name in sorted((*names, *NOT_ENGLISH), key=len, reverse=True):
        text = text.replace(name, " ")
    lines = (" ".join(line.split()) for line in text.splitlines())
    return sorted({line for line in lines if ENGLISH.search(line)})


class SpanishChecks(PageChecks):
    """check_page on each page, with "-es" added to the screenshot's name, and the page's
    language: <html lang="es-US"> and no English word in what it says."""

    def __init__(self, page: Page, names: Iterable[str] = (), *, stored: bool = False) -> None:
        super().__init__(page)
        self.names = tuple(names)
        self.stored = stored

    def check(self, name: str) -> None:
        where = f"{name}-es ({size_of(self.page)}, {self.page.url})"
        lang = self.page.locator("html").get_attribute("lang")
        if lang != "es-US":
            self.problems.append(f"{where}: <html lang> is {lang!r}, not 'es-US'")
        said: str = self.page.evaluate(PAGE_WORDS)
        if self.stored:
            said = STORED_IN_ENGLISH.sub(" ", said)
        leftovers = english_words(said, self.names)
        if leftovers:
            self.problems.append(f"{where}: English left:\n  " + "\n  ".join(leftovers))
        super().check(f"{name}-es")


def sign_in_in_spanish(page: Page, username: str) -> None:
    """Sign in through the sign-in form as it reads in Spanish."""
    page.get_by_label("Nombre de usuario").fill(username)
    page.get_by_label("Contraseña", exact=False).first.fill(PASSWORD)
    page.get_by_role("button", name="Iniciar sesión").click()
    page.wait_for_load_state()


@pytest.fixture
def texts(settings: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[type[MemorySms]]:
    """Text messages go to memory (MemorySms.sent), starting empty: the verification code the
    pages send and the reminders the dispatcher sends."""
    settings.REMINDERS_SMS_BACKEND = "memory"
    monkeypatch.delenv(JOURNAL_ENV, raising=False)
    MemorySms.reset()
    yield MemorySms
    MemorySms.reset()


def test_a_spanish_speaking_mother_follows_her_sons_session_and_gets_a_spanish_reminder(
    phone_page: Page, texts: type[MemorySms]
) -> None:
    page = phone_page
    family = spanish_family()
    child = family.child
    base = f"/p/{child.pk}"
    checks = SpanishChecks(page, family.names)

    # The sign-in page opens in the browser's English; its switch turns it to Spanish.
    page.goto("/accounts/sign-in/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    expect(page.locator("html")).to_have_attribute("lang", "en-US")
    page.get_by_role("form", name="Language").get_by_role("button", name="Español").tap()
    expect(page.get_by_role("heading", level=1)).to_have_text("Iniciar sesión")
    expect(page.get_by_role("button", name="Español")).to_have_attribute("aria-current", "true")
    checks.check("sign-in")

    # Signed in, Spanish is hers: his today page, with the date as a US clinic writes it.
    sign_in_in_spanish(page, "carmen")
    expect(page).to_have_url(re.compile(rf"/p/{child.pk}/today/$"))
    mother = family.mother.user
    assert mother is not None
    mother.refresh_from_db()
    assert mother.language == "es"
    expect(page.get_by_role("heading", level=1)).to_have_text("Hoy")
    today = local_today(child)
    expect(page.locator("p.meta").first).to_contain_text(f"{today.day} de ")
    expect(page.get_by_role("region", name="La sesión de hoy")).to_contain_text("Caminar")
    checks.check("today")

    # His guided session: the timed walk, the counted squats, then the finish screen.
    session = selectors.today_session(child)
    assert session is not None
    doses = {dose.program_activity.name: dose.amount for dose in session.doses.all()}
    page.clock.install()
    page.get_by_role("link", name="Empezar la sesión de hoy").tap()
    expect(page.get_by_role("heading", name="Caminar", level=1)).to_be_visible()
    expect(page.get_by_text("Actividad 1 de 2")).to_be_visible()
    page.get_by_role("button", name="Empezar", exact=True).tap()
    page.clock.fast_forward(doses["Caminar"] * 60_000 + 1_000)
    expect(page.get_by_text("Se acabó el tiempo. ¡Muy bien!")).to_be_visible()
    checks.check("guide-timed")
    page.get_by_role("button", name="Hecho", exact=True).tap()

    expect(page.get_by_role("heading", name="Sentadillas en la pared", level=1)).to_be_visible()
    tap = page.get_by_role("button", name="Toca una vez por cada una")
    for _ in range(doses["Sentadillas en la pared"]):
        tap.tap()
    checks.check("guide-counted")
    page.get_by_role("button", name="Hecho", exact=True).tap()

    expect(page.get_by_role("heading", level=1)).to_have_text("Esa fue la sesión de hoy")
    checks.check("guide-finish")

    # The check-in for him, and its answer when something is missing.
    page.get_by_role("navigation", name="Páginas").get_by_role("link", name="Control semanal").tap()
    expect(page.get_by_role("heading", level=1)).to_have_text("Control semanal")
    checks.check("check-in-guardian")

    # Reminders: none yet; she adds her phone and email, agreeing to each.
    checks.visit(f"{base}/reminders/", "reminders-empty")
    page.get_by_role("link", name="Agregar un contacto").tap()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Agregar un contacto para recordatorios"
    )
    checks.check("reminders-add")
    page.get_by_role("group", name="¿Quién recibe estos recordatorios?").get_by_label(
        "Yo", exact=True
    ).check()
    page.get_by_label("Correo electrónico", exact=False).first.fill("carmen@example.org")
    page.get_by_label("Número de celular", exact=False).first.fill("(202) 555-0143")
    for box in page.get_by_role("checkbox").all():
        box.check()
    page.get_by_role("button", name="Agregar contacto").tap()
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirma tu número de celular")

    # The code comes by text, in Spanish; she types it in.
    contact = Contact.objects.get(patient=child, guardian=family.mother)
    assert contact.language == "es"
    # What she agreed to is kept as she read it, in Spanish.
    assert [consent.wording[:19] for consent in contact.consents.order_by("channel")] == [
        "Acepto recibir corr",
        "Acepto recibir mens",
    ]
    (code_text,) = [sent for sent in texts.sent if sent.to == contact.phone]
    assert "es la clave para recibir recordatorios de Riverside" in code_text.body, code_text.body
    code = re.search(r"\b\d{6}\b", code_text.body)
    assert code is not None
    checks.check("reminders-verify")
    page.get_by_role("textbox").first.fill(code.group())
    page.get_by_role("button", name="Confirmar").tap()
    expect(page.get_by_role("status")).to_be_visible()
    checks.check("reminders-contact")
    # The link in the email, in Spanish, confirms the address.
    (confirm,) = [email for email in mail.outbox if "carmen@example.org" in email.to]
    assert confirm.subject.startswith("Confirma tu correo"), confirm.subject
    link = re.search(r"https?://\S+", str(confirm.body))
    assert link is not None
    page.goto(urlsplit(link.group()).path)  # the link names the site's address, not the test's
    checks.check("reminders-confirm-email")
    page.get_by_role("button", name="Confirmar mi correo").tap()
    expect(page.get_by_role("heading", level=1)).to_have_text("Gracias")
    checks.check("reminders-email-confirmed")
    checks.visit(f"{base}/reminders/", "reminders")
    # Her reminder times and quiet hours (the defaults) in a US clinic's 12-hour clock.
    mine = page.get_by_role("region", name=re.compile("Carmen García"))
    expect(mine).to_contain_text("La noche anterior a las 7 p.m.")
    expect(mine).to_contain_text("8 p.m. a 9 a.m.")
    expect(page.get_by_text("Aún no confirmado")).to_have_count(0)

    # Her language, chosen at sign-in, on the language page.
    page.get_by_role("link", name="Idioma").tap()
    expect(page.get_by_role("radio", name="Español")).to_be_checked()
    checks.check("language")

    # A reminder of his next session goes out to her, in Spanish, with a US clinic's time.
    contact.refresh_from_db()
    texts.reset()
    mail.outbox.clear()
    by_text = due_reminder(contact, program=family.program, channel=Channel.SMS)
    by_email = due_reminder(contact, program=family.program, channel=Channel.EMAIL)
    reminders_dispatch(enqueue=lambda ids: reminders_send(reminder_ids=ids))
    by_text.refresh_from_db()
    by_email.refresh_from_db()
    assert (by_text.status, by_email.status) == (Reminder.Status.SENT, Reminder.Status.SENT)
    (sms,) = [sent for sent in texts.sent if sent.idempotency_key == by_text.idempotency_key]
    assert sms.body.startswith("Recordatorio de Riverside"), sms.body
    assert "Mateo" in sms.body
    assert re.search(r"\d{1,2}:\d{2} [ap]\.m\.", sms.body), sms.body
    assert sms.body.endswith("Responder STOP para cancelar."), sms.body
    (email,) = [sent for sent in mail.outbox if "carmen@example.org" in sent.to]
    assert email.subject == "Recordatorio: Riverside", email.subject
    assert "Hola Carmen García" in email.body, email.body
    assert not english_words(str(email.body), family.names), email.body
    checks.assert_clean()


def test_b_a_patient_whose_browser_asks_for_spanish_reads_his_pages_in_spanish(
    spanish_phone_page: Page,
) -> None:
    page = spanish_phone_page
    family = spanish_family()
    child = family.child
    base = f"/p/{child.pk}"
    checks = SpanishChecks(page, family.names)

    page.goto("/accounts/sign-in/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Iniciar sesión")
    sign_in_in_spanish(page, "mateo")
    expect(page).to_have_url(re.compile(rf"{base}/today/$"))
    expect(page.get_by_role("region", name="Tu sesión")).to_contain_text("Caminar")
    checks.check("today-patient")
    checks.visit(f"{base}/week/", "week")
    checks.visit(f"{base}/progress/", "progress")
    checks.visit(f"{base}/check-in/", "check-in")
    page.get_by_role("button", name="Enviar mi control").tap()
    expect(page.get_by_role("alert")).to_be_visible()
    checks.check("check-in-errors")
    page.get_by_role("group", name=re.compile("brote")).get_by_label("No", exact=True).check()
    page.get_by_label("Fiebre", exact=False).first.check()
    page.get_by_role("button", name="Enviar mi control").tap()
    expect(page.get_by_role("alert")).to_contain_text("médico")
    checks.check("check-in-guidance")
    assert Alert.objects.filter(patient=child, kind="red_flag").exists()
    checks.assert_clean()


def test_c_a_spanish_speaking_therapist_reads_the_staff_pages_in_spanish(
    spanish_desktop_page: Page,
) -> None:
    page = spanish_desktop_page
    family = spanish_family(therapist_language="es")
    child = family.child
    assert child.user is not None
    check_in_submit(actor=child.user, patient=child, flare=False, red_flags=["fever"])
    checks = SpanishChecks(page, family.names, stored=True)

    page.goto("/accounts/sign-in/")
    sign_in_in_spanish(page, "ana.torres")
    expect(page.get_by_role("heading", level=1)).to_have_text("Casos asignados")
    checks.check("caseload")
    checks.visit("/clinic/alerts/", "alerts")
    checks.visit(f"/clinic/patients/{child.pk}/", "staff-patient")
    expect(page.get_by_role("heading", level=1)).to_have_text(child.full_name)
    # The history: the weekly review named in Spanish, times as a US clinic writes them.
    history = page.get_by_role("region", name=re.compile("^Cada cambio del programa"))
    expect(history).to_contain_text("revisión semanal")
    expect(history).to_contain_text(
        re.compile(r"\d{1,2} de [a-z]{3} de \d{4}, \d{1,2}(:\d{2})? [ap]\.m\.")
    )
    checks.assert_clean()
