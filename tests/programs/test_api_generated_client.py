"""A client generated from the live schema with openapi-python-client imports whole and runs a
whole journey against a live server: a therapist signs in, adds a patient, builds and activates
a program; the patient reads today, logs it and reports a red flag (sent twice, with its key);
the therapist sees one alert and one check-in.

The generator is a locked dev dependency and runs here, offline: it reads the schema from the
live server and writes the client into a temporary folder."""

import importlib
import pkgutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from pytest_django.live_server_helper import LiveServer

from programs.models import Patient
from programs.services.common import local_today
from tests.programs import factories

GENERATOR = Path(sys.executable).with_name("openapi-python-client")
PACKAGE = "gradus_generated_client"


@pytest.fixture
def generated(live_server: LiveServer, tmp_path: Path) -> Iterator[str]:
    """The generated package's name, importable while the test runs."""
    config = tmp_path / "config.yaml"
    config.write_text("post_hooks: []\n")  # no formatter run: only importing matters here
    result = subprocess.run(
        [
            str(GENERATOR),
            "generate",
            "--url",
            f"{live_server.url}/api/schema/?format=json",
            "--meta",
            "none",
            "--output-path",
            str(tmp_path / PACKAGE),
            "--config",
            str(config),
            "--fail-on-warning",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    sys.path.insert(0, str(tmp_path))
    try:
        yield PACKAGE
    finally:
        sys.path.remove(str(tmp_path))
        for name in [name for name in sys.modules if name.split(".")[0] == PACKAGE]:
            del sys.modules[name]


def every_module(package: str) -> list[ModuleType]:
    root = importlib.import_module(package)
    return [
        importlib.import_module(info.name)
        for info in pkgutil.walk_packages(root.__path__, f"{package}.")
    ]


def operation(package: str, tag: str, name: str) -> Any:
    return importlib.import_module(f"{package}.api.{tag}.{name}")


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_generated_client_imports_and_runs_a_whole_journey(
    generated: str, live_server: LiveServer
) -> None:
    assert len(every_module(generated)) > 50  # every operation and model imports
    client_module = importlib.import_module(f"{generated}.client")
    models = importlib.import_module(f"{generated}.models")

    therapist = factories.therapist()
    walking = factories.ActivityFactory.create(name="Walking")
    anonymous = client_module.Client(base_url=live_server.url, raise_on_unexpected_status=True)

    def signed_in(username: str) -> Any:
        answer = operation(generated, "auth", "auth_token_create").sync(
            client=anonymous,
            body=models.AuthTokenRequest(username=username, password=factories.PASSWORD),
        )
        return client_module.AuthenticatedClient(
            base_url=live_server.url,
            token=answer.token,
            prefix="Token",
            raise_on_unexpected_status=True,
        )

    staff = signed_in(therapist.username)
    created = operation(generated, "v1", "v1_patients_create").sync(
        client=staff,
        body=models.PatientCreateInRequest(
            first_name="Maya",
            last_name="Okafor",
            date_of_birth=date(2012, 1, 1),
            diagnosis=models.DiagnosisEnum.JUVENILE_FIBROMYALGIA,
            therapists=[therapist.pk],
        ),
    )
    # Accounts come from an invitation on the web; here the patient is simply given one.
    maya = factories.UserFactory.create(username="maya")
    Patient.objects.filter(pk=created.id).update(user=maya)
    today = local_today(Patient.objects.get(pk=created.id))

    program = operation(generated, "v1", "v1_programs_create").sync(
        client=staff,
        body=models.ProgramCreateInRequest(
            patient=created.id,
            start_date=today,
            goal_date=today + timedelta(weeks=8),
            goals="Walk to school with my friends.",
            activities=[
                models.ActivityChoiceInRequest(
                    activity=walking.pk, baseline_trials=[10.0, 12.0, 14.0], goal_quota=20
                )
            ],
        ),
    )
    activated = operation(generated, "v1", "v1_programs_activate_create").sync(
        program.id, client=staff, body=models.ProgramActivateInRequest(me_cfs_considered=True)
    )
    assert activated.status == "active"

    patient = signed_in("maya")
    session = operation(generated, "me", "me_today_retrieve").sync(created.id, client=patient)
    session = session.session
    dose = session.doses[0]
    logged = operation(generated, "me", "me_session_log_create").sync(
        created.id,
        session.id,
        client=patient,
        body=models.SessionLogInputRequest(
            status=models.SessionLogStatusEnum.DONE,
            results=[models.ResultInputRequest(activity=dose.activity, amount=dose.amount)],
        ),
    )
    assert logged.status == models.SessionLogStatusEnum.DONE

    send_check_in = operation(generated, "me", "me_check_ins_create").sync
    check_in = models.CheckInInputRequest(
        flare=False, red_flags=[models.RedFlagsEnum.FEVER], sleep_hours="8.5", mood=3
    )
    first = send_check_in(created.id, client=patient, body=check_in, idempotency_key="tap-1")
    again = send_check_in(created.id, client=patient, body=check_in, idempotency_key="tap-1")
    assert again.id == first.id and first.program_paused is True
    assert "doctor" in first.guidance

    alerts = operation(generated, "v1", "v1_alerts_list").sync(client=staff, patient=created.id)
    check_ins = operation(generated, "v1", "v1_check_ins_list").sync(
        client=staff, patient=created.id
    )
    assert [alert.kind for alert in alerts.results] == [models.AlertKindEnum.RED_FLAG]
    assert check_ins.count == 1
