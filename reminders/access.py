"""Who may reach one reminder contact: the access function for contacts (as programs.access is
for programs' objects, whose ``AccessDenied`` it raises).

A patient or guardian reads the contacts of the patients they act for, and changes the
preferences of their own (a guardian their own and their child's: another guardian's is seen,
but not theirs to change, 403). The clinic's staff read and change the contacts of their
clinic's patients.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from programs.access import AccessDenied, found
from programs.models import User
from reminders import selectors
from reminders.models import Contact

NOT_YOURS = _("Only the person themselves (or a guardian, for their child) may change this.")


def access_contact(
    user: User,
    contact_id: int,
    *,
    manage: bool,
    change: bool = False,
    queryset: QuerySet[Contact] | None = None,
) -> Contact:
    """The contact ``contact_id``, with its patient, guardian and consents loaded unless
    ``queryset`` says otherwise.

    ``manage=False``: for someone who acts for the contact's patient; ``change`` (their
    preferences, consent, addresses) only for the person themselves or a parent of the patient
    (``selectors.may_change_preferences``). ``manage=True``: for the clinic's staff, who read and
    change alike."""
    rule = selectors.contacts_managed_by(user) if manage else selectors.contacts_acted_for_by(user)
    if queryset is None:
        contact = found(selectors.with_details(rule), contact_id)
    else:
        contact = found(rule, contact_id, queryset)
    if change and not manage and not selectors.may_change_preferences(user, contact):
        raise AccessDenied(NOT_YOURS, hidden=False)
    return contact
