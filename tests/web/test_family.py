"""Issue 11: a guardian of several children has one overview of all of them, each with
today's status, reached from the child switcher of every patient page; its queries do not
grow with the number of children. And the patient pages speak to a parent about their child."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from programs import selectors, services
from programs.models import Patient, User
from programs.services.common import local_today
from tests.programs import factories

pytestmark = pytest.mark.django_db


def children(count: int) -> tuple[User, list[Patient]]:
    """A parent of ``count`` children, each on a program that started today."""
    first = factories.patient(first_name="Ava")
    link = factories.guardian(patient=first, relation="mother")
    assert link.user is not None
    kids = [first]
    for index in range(1, count):
        kid = factories.patient(clinic=first.clinic, first_name=f"Kid{index}")
        factories.guardian(patient=kid, user=link.user, relation="mother")
        kids.append(kid)
    for kid in kids:
        factories.active_program(patient=kid)
    return link.user, kids


def test_it_shows_each_child_with_todays_status(client: Client) -> None:
    parent, (ava, ben) = children(2)
    ben.first_name = "Ben"
    ben.save()
    session = ava.programs.get().sessions.get(date=local_today(ava))
    factories.log_session(session)
    services.check_in_submit(
        actor=parent, patient=ava, flare=False, red_flags=[], no_red_flags=True
    )
    client.force_login(parent)

    body = client.get("/family/").content.decode()

    ava_card = body.split(f'id="child-{ava.pk}"')[1].split("</li>")[0]
    ben_card = body.split(f'id="child-{ben.pk}"')[1].split("</li>")[0]
    assert "Ava logged today\u2019s session." in ava_card
    assert "Check-in due" not in ava_card
    assert "Ben has a session today." in ben_card
    assert "Check-in due: how was Ben\u2019s week?" in ben_card
    assert f'href="/p/{ben.pk}/check-in/"' in ben_card


def test_a_child_with_nothing_today_says_so(client: Client) -> None:
    parent, (ava, _ben) = children(2)
    ava.programs.get().sessions.filter(date=local_today(ava)).delete()
    client.force_login(parent)
    body = client.get("/family/").content.decode()
    assert "Nothing planned for Ava today." in body


def test_it_is_linked_from_the_child_switcher(client: Client) -> None:
    parent, (ava, _ben) = children(2)
    client.force_login(parent)
    body = client.get(f"/p/{ava.pk}/today/").content.decode()
    assert '<a href="/family/">All your children today</a>' in body


def test_a_patient_or_a_parent_of_one_goes_to_their_today(client: Client) -> None:
    parent, (ava,) = children(1)
    client.force_login(parent)
    assert client.get("/family/")["Location"] == f"/p/{ava.pk}/today/"
    assert "/family/" not in client.get(f"/p/{ava.pk}/today/").content.decode()


def test_it_is_only_for_people_who_act_for_a_patient(client: Client) -> None:
    assert client.get("/family/")["Location"].startswith("/accounts/sign-in/")
    client.force_login(factories.therapist())
    assert client.get("/family/").status_code == 404


def test_it_reads_three_children_in_as_many_queries_as_one(client: Client) -> None:
    selector_counts, page_counts = [], []
    for count in (1, 3):
        parent, _kids = children(count)
        with CaptureQueriesContext(connection) as queries:
            assert len(selectors.household_today(parent)) == count
        selector_counts.append(len(queries))
    assert selector_counts == [3, 3]
    for count in (2, 3):
        parent, _kids = children(count)
        client.force_login(parent)
        client.get("/family/")
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/family/").status_code == 200
        page_counts.append(len(queries))
    assert page_counts[0] == page_counts[1]


def test_the_log_form_speaks_to_a_parent(client: Client) -> None:
    parent, (ava, _ben) = children(2)
    client.force_login(parent)
    session = ava.programs.get().sessions.get(date=local_today(ava))
    body = client.get(f"/p/{ava.pk}/sessions/{session.pk}/log/").content.decode()
    assert "Save what Ava did" in body
    assert "Ava couldn\u2019t do it today" in body
    assert "Anything the therapist should know? (optional)" in body
    assert "Change it if Ava did more or less." in body
    assert "Save what I did" not in body and "how tired did you feel" not in body
