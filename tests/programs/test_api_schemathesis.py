"""Schemathesis against /api/schema/, in process: every operation with generated requests,
signed in with a token (a therapist for the staff endpoints, a patient for /me/ and
/reminders/me/), and no answer may be a server error or break the schema: a status it does not
document, a body that does not match, an undocumented content type or header. Schemathesis'
other default checks run too (a request without the token must be refused, for one).

Bounded and reproducible: a fixed seed and derandomized generation, 40 fuzzed examples per
operation plus the coverage phase's fixed set of boundary cases; about half a minute on two
cores with xdist.

The schema is fetched from the Django WSGI app when the module is collected; requests go
through the same app, so they see the test database. The seed (a clinic, its therapist, a
patient with an account, a guardian, reminder contacts and a running program) is built once
per module; each operation is its own pytest item (so xdist spreads them) and its own
transaction, rolled back afterwards. About half of the time a path names the seed's real
objects and a body the seed's ids (with a start date near today), so requests get past "not
found" to the services; otherwise the generated ids are simply not found (404 or a 400 naming
the field, both documented).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import hypothesis.strategies as st
import pytest
import schemathesis
from django.contrib.auth.hashers import make_password
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from django.test import override_settings
from rest_framework.authtoken.models import Token

from programs.api.auth import LoginThrottle
from programs.models import Alert, Program, SessionLog, User
from programs.services import check_in_submit
from programs.services.common import local_today
from tests.programs import factories
from tests.reminders.factories import new_contact

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

# Bounded and reproducible: the same requests on every run, and in CI.
CONFIG = schemathesis.Config.from_dict(
    {
        "seed": 20260311,
        "suppress-health-check": ["all"],
        "generation": {
            "max-examples": 40,
            "deterministic": True,
            "database": "none",
        },
        # Fuzzing (max-examples per operation) and the coverage phase's fixed set of boundary
        # cases (a missing field, a wrong type, each enum value...); no chains of calls.
        "phases": {"stateful": {"enabled": False}},
        "checks": {
            # These two judge the data, not the schema: a valid-looking request may still be
            # refused (an unknown patient id, a wrong password: 400, as documented), and DRF's
            # paginator ignores a page_size that is not a number rather than refusing it.
            "positive_data_acceptance": {"enabled": False},
            "negative_data_rejection": {"enabled": False},
        },
    }
)

schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application(), config=CONFIG)

# The seed's ids by path, filled in by the fixture below and read while cases are generated.
REAL_IDS: dict[str, dict[str, list[int]]] = {}
REAL_BODY_IDS: dict[str, list[int]] = {}
REAL_DATES: dict[str, str] = {}
TOKENS: dict[str, str] = {}


def _real_ids_for(path: str) -> dict[str, list[int]]:
    for prefix, ids in REAL_IDS.items():
        if path.startswith(prefix):
            return ids
    return {}


@schema.hook
def flatmap_path_parameters(context: Any, path_parameters: dict[str, Any] | None) -> Any:
    """Half the time, the seed's real ids instead of the generated ones."""
    if not path_parameters:
        return st.just(path_parameters)
    ids = _real_ids_for(context.operation.path)
    choices = {
        name: ids[name]
        for name, value in path_parameters.items()
        if name in ids and isinstance(value, int)
    }
    if not choices:
        return st.just(path_parameters)
    real = st.fixed_dictionaries({name: st.sampled_from(found) for name, found in choices.items()})
    return st.one_of(st.just(path_parameters), real.map(lambda r: {**path_parameters, **r}))


def _with_real_refs(value: Any) -> Any:
    """``value`` with every id it names (a patient, activity, template...) made a real one."""
    if isinstance(value, list):
        return [_with_real_refs(item) for item in value]
    if not isinstance(value, dict):
        return value
    found: dict[str, Any] = {}
    for key, item in value.items():
        ids = REAL_BODY_IDS.get(key)
        if ids and isinstance(item, int) and not isinstance(item, bool):
            found[key] = ids[item % len(ids)]
        elif ids and isinstance(item, list) and all(isinstance(i, int) for i in item):
            found[key] = [ids[i % len(ids)] for i in item]
        elif key in REAL_DATES and isinstance(item, str):
            found[key] = REAL_DATES[key]  # a program starts within a year of today
        else:
            found[key] = _with_real_refs(item)
    return found


@schema.hook
def flatmap_body(context: Any, body: Any) -> Any:
    """Half the time, the ids a body names are the seed's and its dates are near today: the
    request then gets past "no such patient" to the services and the planner behind them."""
    return st.sampled_from([body, _with_real_refs(body)])


def _seed() -> None:
    clinic = factories.ClinicFactory.create(name="Riverside")
    staff = factories.therapist(clinic=clinic)
    child = factories.patient(clinic=clinic, therapists=[staff], with_user=True)
    assert child.user is not None
    parent = factories.guardian(patient=child)
    spare = factories.GuardianFactory.create(patient=child, user=None)  # no reminder contact yet
    own_contact = new_contact(patient=child)
    parent_contact = new_contact(patient=child, guardian=parent)
    program = factories.active_program(patient=child, started_weeks_ago=1, actor=staff)
    factories.log_week(program, week=0)
    check_in_submit(actor=child.user, patient=child, red_flags=["fever"], flare=False)
    draft = factories.draft_program(patient=child, actor=staff)
    own = factories.ActivityFactory.create(clinic=clinic, name="Stairs")
    shared = factories.ActivityFactory.create(name="Cycling")
    template = factories.ProgramTemplateFactory.create(clinic=clinic)
    factories.TemplateActivityFactory.create(template=template, activity=own)
    today = local_today(child)
    sessions = list(
        program.sessions.filter(date__gte=today - timedelta(days=6), date__lte=today + timedelta(2))
    )
    logs = SessionLog.objects.filter(session__program=program)
    doses = [dose.id for session in sessions[-2:] for dose in session.doses.all()]
    REAL_IDS.clear()
    REAL_IDS.update(
        {
            "/api/v1/patients/": {"id": [child.id]},
            "/api/v1/guardians/": {"id": [parent.id]},
            "/api/v1/programs/": {"id": [program.id, draft.id]},
            "/api/v1/sessions/": {"id": [session.id for session in sessions]},
            "/api/v1/doses/": {"id": doses},
            "/api/v1/session-logs/": {"id": list(logs.values_list("id", flat=True))},
            "/api/v1/check-ins/": {"id": list(child.check_ins.values_list("id", flat=True))},
            "/api/v1/reviews/": {"id": list(program.reviews.values_list("id", flat=True))},
            "/api/v1/revisions/": {"id": list(program.revisions.values_list("id", flat=True))},
            "/api/v1/alerts/": {"id": list(Alert.objects.values_list("id", flat=True))},
            "/api/v1/activities/": {"id": [own.id, shared.id]},
            "/api/v1/templates/": {"id": [template.id]},
            "/api/v1/me/": {
                "patient_id": [child.id],
                "session_id": [session.id for session in sessions],
            },
            "/api/v1/reminders/contacts/": {"id": [own_contact.id, parent_contact.id]},
            "/api/v1/reminders/me/contacts/": {"contact_id": [own_contact.id]},
        }
    )
    REAL_DATES.update(
        start_date=today.isoformat(), goal_date=(today + timedelta(weeks=12)).isoformat()
    )
    REAL_BODY_IDS.clear()
    REAL_BODY_IDS.update(
        clinic=[clinic.id],
        patient=[child.id],
        guardian=[spare.id],
        therapists=[staff.id],
        template=[template.id],
        activity=[own.id, shared.id],
    )
    # Every account signs in with PASSWORD, hashed cheaply (see the fixture).
    User.objects.update(password=make_password(factories.PASSWORD))
    TOKENS.update(
        therapist=Token.objects.create(user=staff).key,
        patient=Token.objects.create(user=child.user).key,
    )
    assert Program.objects.filter(status=Program.Status.PAUSED).exists()  # the red flag


@pytest.fixture(scope="module")
def seeded(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """The seed, once per module (and xdist worker), in a transaction rolled back at the end.

    Passwords use a fast hasher here: the token endpoint checks one per example, and the
    default hasher takes half a second each by design."""
    fast = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with (
        override_settings(PASSWORD_HASHERS=fast),
        connection_kept(),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        _seed()
        yield
        transaction.set_rollback(True)


@contextmanager
def connection_kept() -> Iterator[None]:
    """Requests reach the bare WSGI handler, whose request_started and request_finished close
    a connection that is not in autocommit mode, as a test's transaction is not (on PostgreSQL
    that ends the test's transaction). Django's test client unhooks them the same way."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    try:
        yield
    finally:
        for signal in (request_started, request_finished):
            signal.connect(close_old_connections)


@pytest.fixture
def unthrottled(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The sign-in throttles (10 a minute, and 5 wrong passwords per username; tested in
    test_api_foundation) would answer most examples with 429, so the token endpoint's own
    answers would go unseen."""
    monkeypatch.setattr(LoginThrottle, "rate", "100000/minute", raising=False)
    with override_settings(SIGN_IN_USERNAME_LIMIT=100_000, SIGN_IN_ADDRESS_LIMIT=100_000):
        yield


# The statuses each operation answered with, to check that real objects were reached.
STATUSES: dict[str, set[int]] = {}


@schema.hook
def after_call(context: Any, case: Any, response: Any) -> None:
    STATUSES.setdefault(case.operation.label, set()).add(response.status_code)


@pytest.fixture
def reaches_real_objects(request: pytest.FixtureRequest) -> Iterator[None]:
    """After an operation's examples: one whose path names objects found one at least, so
    the hook above works and the run was not all 404s."""
    yield
    label = request.node.name.partition("[")[2].rstrip("]")
    path = label.partition(" ")[2]
    if "{" in path and _real_ids_for(path):
        # A success, or a 400 about the body of a request for an object that was found.
        found = {status for status in STATUSES.get(label, set()) if status < 300 or status == 400}
        assert found, f"{label}: no example found an object"


def _headers(path: str) -> dict[str, str]:
    if path == "/api/v1/auth/token/":
        return {}
    role = "patient" if "/me/" in path else "therapist"
    return {"Authorization": f"Token {TOKENS[role]}"}


@schema.parametrize()
def test_api_conforms_to_its_schema(
    case: Any, seeded: None, unthrottled: None, reaches_real_objects: None
) -> None:
    case.call_and_validate(headers=_headers(case.operation.path))
