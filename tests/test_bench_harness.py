"""The API benchmark's harness (bench/api.py): what it serves, the data it builds, and how it
reads wrk. The load itself runs only in `make bench`."""

import json
import os
from datetime import date

import pytest
from django.test import Client, override_settings
from django.urls import Resolver404, resolve

from bench import api, data, page_weight
from bench.bare import BARE_BODY, BARE_PATH
from programs.models import CheckIn, Patient, PlannedSession, SessionLog
from programs.selectors import RUNNING_STATUSES


@override_settings(ROOT_URLCONF="bench.urls")
def test_the_bench_urls_serve_the_bare_view_and_the_app() -> None:
    response = Client().get(BARE_PATH)
    assert response.status_code == 200
    assert response.json() == BARE_BODY
    assert resolve("/healthz").url_name == "healthz"


def test_the_bare_view_is_not_in_the_production_urls() -> None:
    with pytest.raises(Resolver404):
        resolve(BARE_PATH)


@pytest.mark.slow
@pytest.mark.django_db
def test_the_data_is_built_through_the_services_and_reused() -> None:
    assert not data.reusable(patients=3)
    data.build(patients=3)
    assert data.reusable(patients=3)
    patients = Patient.objects.filter(clinic__name=data.CLINIC_NAME)
    assert patients.count() == 3
    assert patients.filter(programs__status__in=RUNNING_STATUSES).distinct().count() == 3
    assert SessionLog.objects.filter(session__program__patient__in=patients).exists()
    assert CheckIn.objects.filter(patient__in=patients, fdi_total__isnull=False).count() == 6
    described = data.describe(built=True, seconds=1.23)
    assert described.patients == 3
    assert described.patient_token and described.therapist_token
    assert described.patient_token != described.therapist_token
    patient = Patient.objects.get(pk=described.patient_id)
    assert PlannedSession.objects.filter(
        program__patient=patient, date=date.fromisoformat(described.today)
    ).exists()


@pytest.mark.django_db
def test_the_data_refuses_any_database_but_the_bench_one() -> None:
    with pytest.raises(SystemExit, match="gradus_bench"):
        data.prepare()


def test_wrk_figures_are_read_from_the_script_line() -> None:
    figures = {"requests": 24_000, "duration_us": 10_000_000, "median_us": 3_100, "not_200": 0,
               "connect": 0, "read": 0, "write": 0, "timeout": 0, "status": 0}  # fmt: skip
    load = api.parse_wrk(f"Running 10s test @ http://127.0.0.1:1/\n{json.dumps(figures)}\n")
    assert load.per_second == pytest.approx(2_400)
    assert load.median_ms == pytest.approx(3.1)
    assert load.errors == {}


def test_wrk_errors_and_other_statuses_are_counted() -> None:
    figures = {"requests": 100, "duration_us": 1_000_000, "median_us": 500, "not_200": 100,
               "connect": 0, "read": 2, "write": 0, "timeout": 0, "status": 100}  # fmt: skip
    assert api.parse_wrk(json.dumps(figures)).errors == {"not_200": 100, "read": 2, "status": 100}


def test_wrk_without_figures_is_an_error() -> None:
    with pytest.raises(api.BenchError, match="no figures"):
        api.parse_wrk("unable to connect to 127.0.0.1:1 Connection refused\n")


def test_the_checks_reject_bodies_that_are_not_the_measured_answer() -> None:
    assert api.check_bare(BARE_BODY) is None
    assert api.check_bare({"detail": "x"})
    today = api.check_today("2026-11-21")
    assert today({"date": "2026-11-21", "session": {"doses": []}}) is None
    assert today({"detail": "Not found."})
    rows = [{"patient": n} for n in range(data.PATIENTS)]
    assert api.check_caseload({"count": data.PATIENTS, "results": rows}) is None
    assert api.check_caseload(rows) is None
    assert api.check_caseload({"count": data.PATIENTS, "results": rows[:50]})


def test_cpu_time_is_read_for_a_process_group() -> None:
    assert os.getpid() in api.process_group(os.getpgid(0))
    sum(range(200_000))  # some CPU time to read
    assert api.cpu_seconds(os.getpid()) > 0
    assert api.cpu_seconds(2**22 + 1) == 0.0  # no such process
    assert api.CpuMeter.spent({1: 1.0, 2: 5.0}, {1: 1.5, 2: 5.0, 3: 0.25}) == pytest.approx(0.75)


def test_the_page_weight_counts_each_stylesheet_script_and_manifest_a_page_links() -> None:
    parser = page_weight._Assets()
    parser.feed(
        '<link rel="stylesheet" href="/static/a.css"><link rel="icon" href="/static/i.svg">'
        '<link rel="manifest" href="/manifest.webmanifest"><script src="/static/b.js"></script>'
        "<script>inline()</script><img src='/static/p.png'>"
    )
    assert parser.urls == ["/static/a.css", "/manifest.webmanifest", "/static/b.js"]


def test_the_page_weight_compresses_as_the_server_does() -> None:
    body = b"body { color: red; }\n" * 200
    assert page_weight._compressed(body) < len(body) / 20
    assert page_weight._compressed(body) == page_weight._compressed(body)  # no timestamp
