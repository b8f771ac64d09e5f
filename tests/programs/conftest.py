import pytest
from rest_framework.test import APIClient

from programs.models import Clinic, Patient, User
from tests.clients import client_for
from tests.programs.factories import ClinicFactory, patient, therapist

# The staff API's tests: a therapist of one clinic, signed in to the API, with one patient.
# A module that needs another world defines its own fixtures of these names.


@pytest.fixture
def clinic() -> Clinic:
    return ClinicFactory.create(name="Riverside")


@pytest.fixture
def pt(clinic: Clinic) -> User:
    return therapist(clinic=clinic, username="jordan")


@pytest.fixture
def api(pt: User) -> APIClient:
    return client_for(pt)


@pytest.fixture
def child(clinic: Clinic, pt: User) -> Patient:
    return patient(clinic=clinic, therapists=[pt], first_name="Maya", last_name="Okafor")
