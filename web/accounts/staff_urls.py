"""Staff pages that belong to accounts: inviting patients and guardians, under /clinic/invite/."""

from django.urls import URLPattern, path

from web.accounts import invitations

urlpatterns: list[URLPattern] = [
    path("", invitations.invite, name="invite"),
    path("<int:invitation_id>/revoke/", invitations.revoke, name="invite-revoke"),
]
