"""The Functional Disability Inventory (Walker & Greene 1991) as people read it: its 15
questions, in item order (the order the service scores them in, planner/fdi.py), and the five
answers. The web's check-in and the API's (``GET .../check-ins/due/``) ask the same words."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

FDI_ITEMS: list[StrOrPromise] = [
    _("Walking to the bathroom"),
    _("Walking up stairs"),
    _("Doing something with a friend (for example, playing a game)"),
    _("Doing chores at home"),
    _("Eating regular meals"),
    _("Being up all day without a nap or rest"),
    _("Riding the school bus or traveling in the car"),
    _("Being at school all day"),
    _("Doing the activities in gym class (or playing sports)"),
    _("Reading or doing homework"),
    _("Watching TV"),
    _("Walking the length of a football field"),
    _("Running the length of a football field"),
    _("Going shopping"),
    _("Getting to sleep at night and staying asleep"),
]
# Each answer's value (0-4, the score) and its words.
FDI_ANSWERS: list[tuple[int, StrOrPromise]] = [
    (0, _("No trouble")),
    (1, _("A little trouble")),
    (2, _("Some trouble")),
    (3, _("A lot of trouble")),
    (4, _("Impossible")),
]
