"""The staff API's OpenAPI schema: valid, without warnings, and every error documented."""

from pathlib import Path
from typing import Any

import pytest
import yaml
from django.core.management import call_command
from drf_spectacular.generators import SchemaGenerator

from programs.api.serializers import ParametersSerializer
from programs.engine import DEFAULT_PARAMETERS

STAFF_PREFIXES = (
    "/api/v1/patients/", "/api/v1/guardians/", "/api/v1/programs/", "/api/v1/sessions/",
    "/api/v1/doses/", "/api/v1/session-logs/", "/api/v1/check-ins/", "/api/v1/reviews/",
    "/api/v1/revisions/", "/api/v1/alerts/", "/api/v1/activities/", "/api/v1/templates/",
    "/api/v1/caseload/",
)  # fmt: skip
METHODS = ("get", "post", "patch", "put", "delete")


def staff_operations() -> list[tuple[str, str, dict[str, Any]]]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return [
        (path, method, operation)
        for path, item in schema["paths"].items()
        if path.startswith(STAFF_PREFIXES)
        for method, operation in item.items()
        if method in METHODS
    ]


@pytest.mark.slow
def test_it_generates_a_valid_schema_without_warnings(tmp_path: Path) -> None:
    target = tmp_path / "schema.yaml"

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))

    paths = yaml.safe_load(target.read_text())["paths"]
    assert "/api/v1/programs/{id}/activate/" in paths
    assert "/api/v1/caseload/" in paths


def test_it_documents_the_errors_of_every_staff_operation() -> None:
    undocumented = []
    for path, method, operation in staff_operations():
        expected = {"401", "403"}
        if "{id}" in path:
            expected.add("404")
        if "requestBody" in operation or "{id}" not in path:
            expected.add("400")
        missing = expected - set(operation["responses"])
        if missing:
            undocumented.append((method, path, sorted(missing)))

    assert undocumented == []


def test_it_documents_filters_and_integer_ids() -> None:
    operations = {(path, method): op for path, method, op in staff_operations()}

    sessions = operations[("/api/v1/sessions/", "get")]
    patient = operations[("/api/v1/patients/{id}/", "get")]

    assert {"program", "patient", "date_after", "date_before", "phase", "ordering", "page"} <= {
        parameter["name"] for parameter in sessions["parameters"]
    }
    assert patient["parameters"][0]["schema"]["type"] == "integer"


def test_it_accepts_every_engine_parameter_and_no_other() -> None:
    assert set(ParametersSerializer().fields) == set(DEFAULT_PARAMETERS)


@pytest.mark.slow  # one case per route: part of the route matrix
@pytest.mark.parametrize("prefix", STAFF_PREFIXES)
def test_it_documents_every_staff_endpoint(prefix: str) -> None:
    assert any(path.startswith(prefix) for path, _, _ in staff_operations())
