"""The reminders API, under /api/v1/reminders/.

- ``me/contacts/``: for patients and guardians, the contacts of the patients they act for
  (``selectors.contacts_acted_for_by``): read them, change preferences, give or withdraw
  consent by web form, verify an address. Any other contact is a 404; a patient changes
  their own contact, a guardian their own and their child's (another guardian's is a 403).
- ``contacts/``: for staff, the contacts of their clinic's patients
  (``selectors.contacts_managed_by``): list, add, change, record consent as given on paper
  or in clinic, verify.
- ``email-verifications/``: the link in a verification email, for any client.
- ``consent-wording/``: the exact wording a person agrees to, per channel.

Verification codes and links are sent at once through the channel, not through the outbox:
the person is waiting for them (see ``services.verification_start``).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from programs.access import AccessDenied
from programs.api.errors import ErrorSerializer, error_responses
from programs.api.filters import IdFilter
from programs.api.idempotency import IdempotentWrites
from programs.api.permissions import refuse_staff_acting_for_nobody
from programs.api.staff.base import (
    CHANGE_ERRORS,
    CREATE_ERRORS,
    LIST_ERRORS,
    READ_ERRORS,
    PatientRecordViewSet,
)
from programs.models import User
from reminders import selectors, services
from reminders.access import access_contact
from reminders.api.serializers import (
    ChannelIn,
    CodeIn,
    ConsentOut,
    ConsentWordingOut,
    ContactCreateIn,
    ContactOut,
    ContactUpdateIn,
    PreferencesIn,
    PreferencesSavedOut,
    StaffConsentIn,
    TokenIn,
    VerificationOut,
)
from reminders.models import Channel, Consent, Contact

import django_filters  # type: ignore[import-untyped]  # isort: skip

ME_TAGS = ["reminders: me"]
STAFF_TAGS = ["reminders: staff"]


class ProviderUnavailable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "provider_unavailable"
    default_detail = _("The message could not be sent just now; try again in a minute.")


SEND_ERRORS = {
    **error_responses(400, 401, 403, 404),
    503: OpenApiResponse(ErrorSerializer, description="The provider did not take the message."),
}


def _user(request: Request) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def contact_data(contacts: list[Contact], *, many: bool = False) -> Any:
    """``contacts`` (read ``with_details``) as the API shows them, with their suppression
    state read in one go."""
    context = {"suppressed": selectors.suppressed_addresses(contacts)}
    if many:
        return ContactOut(contacts, many=True, context=context).data
    return ContactOut(contacts[0], context=context).data


def preferences_saved_data(saved: services.PreferencesSaved) -> Any:
    """A contact just saved, as the API shows it, with the text reminders its quiet hours
    move (``quiet_hours_notices``)."""
    contact = _fresh(saved.contact)
    context = {
        "suppressed": selectors.suppressed_addresses([contact]),
        "quiet_hours": saved.quiet_hours,
    }
    return PreferencesSavedOut(contact, context=context).data


def _fresh(contact: Contact) -> Contact:
    return selectors.with_details(Contact.objects.filter(pk=contact.pk)).get()


def _send(contact: Contact, channel: str) -> Response:
    try:
        sent = services.verification_start(contact=contact, channel=channel)
    except services.VerificationNotSent:
        raise ProviderUnavailable() from None
    return Response(VerificationOut(sent).data, status=status.HTTP_202_ACCEPTED)


# -- Patients and guardians ------------------------------------------------------------------


def _contact(request: Request, contact_id: int, *, change: bool = False) -> Contact:
    """The contact through ``access_contact`` for the person acting for its patient; 403 for
    a staff member who acts for nobody."""
    user = _user(request)
    try:
        return access_contact(user, contact_id, manage=False, change=change)
    except AccessDenied as denied:
        if denied.hidden:
            refuse_staff_acting_for_nobody(user)
        raise


def _contact_change(
    request: Request, contact_id: int, shape: type[serializers.Serializer[Any]]
) -> tuple[Contact, dict[str, Any]]:
    """The contact a person changes and the checked body of the change: the contact first, so
    a contact one may not change answers 403/404 before any 400 about the body."""
    contact = _contact(request, contact_id, change=True)
    data = shape(data=request.data)
    data.is_valid(raise_exception=True)
    return contact, data.validated_data


def _my_contact_write(
    operation_id: str,
    summary: str,
    body: type[serializers.Serializer[Any]],
    answer: type[serializers.Serializer[Any]],
    *,
    status_code: int = status.HTTP_200_OK,
    errors: Mapping[int, Any] = CHANGE_ERRORS,
    description: str | None = None,
) -> Any:
    """The schema of a change to one of my contacts: ``body`` in, ``answer`` out."""
    return extend_schema(
        operation_id=operation_id,
        summary=summary,
        description=description,
        request=body,
        responses={status_code: answer, **errors},
        tags=ME_TAGS,
    )


def _contact_answer(contact: Contact, status_code: int = status.HTTP_200_OK) -> Response:
    """The contact as it is now, after a change."""
    return Response(contact_data([_fresh(contact)]), status=status_code)


class MyContactsQuery(django_filters.FilterSet):
    patient = IdFilter(field_name="patient_id", help_text="One patient's contacts only.")

    class Meta:
        model = Contact
        fields = ["patient"]


class MyContactsView(GenericAPIView[Contact]):
    queryset = Contact.objects.none()  # the model, for the schema
    filter_backends = [django_filters.rest_framework.DjangoFilterBackend]
    filterset_class = MyContactsQuery

    @extend_schema(
        operation_id="reminders_me_contacts_list",
        summary="The reminder contacts of the patients I act for",
        responses={200: ContactOut(many=True), **error_responses(400, 401, 403, 404)},
        tags=ME_TAGS,
    )
    def get(self, request: Request) -> Response:
        user = _user(request)
        refuse_staff_acting_for_nobody(user)
        contacts = self.filter_queryset(
            selectors.with_details(selectors.contacts_acted_for_by(user)).order_by(
                "patient_id", "-role", "name", "id"
            )
        )
        page = self.paginate_queryset(contacts) or []
        return self.get_paginated_response(contact_data(list(page), many=True))


class MyContactView(APIView):
    @extend_schema(
        operation_id="reminders_me_contact_retrieve",
        summary="One reminder contact",
        responses={200: ContactOut, **error_responses(401, 403, 404)},
        tags=ME_TAGS,
    )
    def get(self, request: Request, contact_id: int) -> Response:
        return Response(contact_data([_contact(request, contact_id)]))


class MyPreferencesView(IdempotentWrites, APIView):
    @_my_contact_write(
        "reminders_me_preferences_update",
        "Change when and how reminders come",
        PreferencesIn,
        PreferencesSavedOut,
        description=(
            "Channels on or off, lead times (the evening before at a local time; minutes "
            "before the session), quiet hours for text messages, pause everything. What is "
            "left out stays as it is. The reminders already planned follow at once. "
            "`quiet_hours_notices` lists each text reminder the quiet hours move, and when it "
            "really arrives: show them to the person."
        ),
    )
    def patch(self, request: Request, contact_id: int) -> Response:
        contact, data = _contact_change(request, contact_id, PreferencesIn)
        saved = services.contact_preferences_update(contact=contact, **data)
        return Response(preferences_saved_data(saved))


class MyConsentsView(IdempotentWrites, APIView):
    @_my_contact_write(
        "reminders_me_consents_create",
        "Agree to reminders on a channel (by this web form)",
        ChannelIn,
        ConsentOut,
        status_code=status.HTTP_201_CREATED,
        description="Records the signed-in person's consent to the wording of "
        "`consent-wording/` for the channel, as given by web form.",
    )
    def post(self, request: Request, contact_id: int) -> Response:
        contact, data = _contact_change(request, contact_id, ChannelIn)
        user = _user(request)
        consent = services.consent_record(
            contact=contact,
            channel=data["channel"],
            given_by=user.get_full_name() or user.get_username(),
            relationship=selectors.consent_relationship(user, contact),
            method=Consent.Method.WEB_FORM,
            recorded_by=user,
        )
        return Response(ConsentOut(consent).data, status=status.HTTP_201_CREATED)


class MyConsentWithdrawView(IdempotentWrites, APIView):
    @_my_contact_write(
        "reminders_me_consents_withdraw", "Withdraw consent for a channel", ChannelIn, ContactOut
    )
    def post(self, request: Request, contact_id: int) -> Response:
        contact, data = _contact_change(request, contact_id, ChannelIn)
        services.consent_withdraw(contact=contact, channel=data["channel"], actor=_user(request))
        return _contact_answer(contact)


class MyVerificationView(IdempotentWrites, APIView):
    @_my_contact_write(
        "reminders_me_verification_start",
        "Send a code (text message) or a link (email) to verify an address",
        ChannelIn,
        VerificationOut,
        status_code=status.HTTP_202_ACCEPTED,
        errors=SEND_ERRORS,
        description=(
            "Sent at once, not queued: a six-digit code that works for 10 minutes and 5 "
            "tries, or a link that works for 3 days. At most one a minute per contact."
        ),
    )
    def post(self, request: Request, contact_id: int) -> Response:
        contact, data = _contact_change(request, contact_id, ChannelIn)
        return _send(contact, data["channel"])


class MyVerificationConfirmView(IdempotentWrites, APIView):
    @_my_contact_write(
        "reminders_me_verification_confirm",
        "Confirm the code sent by text message",
        CodeIn,
        ContactOut,
    )
    def post(self, request: Request, contact_id: int) -> Response:
        contact, data = _contact_change(request, contact_id, CodeIn)
        services.verification_confirm_code(contact=contact, code=data["code"])
        return _contact_answer(contact)


# -- Anyone ----------------------------------------------------------------------------------


class EmailVerificationView(APIView):
    # The signed token is the credential: no sign-in, and so no session to forge (CSRF).
    permission_classes = [AllowAny]
    authentication_classes: list[type] = []

    @extend_schema(
        operation_id="reminders_email_verification_confirm",
        summary="Confirm an email address with the token from the verification link",
        request=TokenIn,
        responses={200: ChannelIn, **error_responses(400)},
        tags=ME_TAGS,
        auth=[],
    )
    def post(self, request: Request) -> Response:
        data = TokenIn(data=request.data)
        data.is_valid(raise_exception=True)
        services.confirm_email_token(token=data.validated_data["token"])
        return Response({"channel": Channel.EMAIL})


class ConsentWordingView(APIView):
    @extend_schema(
        operation_id="reminders_consent_wording_retrieve",
        summary="The exact wording a person agrees to, per channel",
        responses={200: ConsentWordingOut, **error_responses(401)},
        tags=ME_TAGS,
    )
    def get(self, request: Request) -> Response:
        return Response(ConsentWordingOut(services.CONSENT_WORDING).data)


# -- Staff -----------------------------------------------------------------------------------


class ContactFilter(django_filters.FilterSet):
    patient = IdFilter(field_name="patient_id")
    role = django_filters.ChoiceFilter(choices=Contact.Role.choices)

    class Meta:
        model = Contact
        fields = ["patient", "role"]


class ContactViewSet(mixins.ListModelMixin, PatientRecordViewSet[Contact]):
    queryset = Contact.objects.none()  # the model, for the schema
    record_name = "reminder contacts"
    serializer_class = ContactOut
    filterset_class = ContactFilter
    ordering_fields = ["name", "created_at"]
    ordering = ["patient_id", "-role", "name", "id"]

    def get_queryset(self) -> QuerySet[Contact]:
        return selectors.with_details(selectors.contacts_managed_by(self.user))

    access_function = partial(access_contact, manage=True)

    def _validated_channel(self) -> str:
        return str(self.validated(ChannelIn)["channel"])

    @extend_schema(responses={200: ContactOut, **LIST_ERRORS}, tags=STAFF_TAGS)
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset())) or []
        return self.get_paginated_response(contact_data(list(page), many=True))

    @extend_schema(responses={200: ContactOut, **READ_ERRORS}, tags=STAFF_TAGS)
    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(contact_data([self.get_object()]))

    @extend_schema(
        request=ContactCreateIn,
        responses={201: ContactOut, **CREATE_ERRORS},
        tags=STAFF_TAGS,
        description="A contact for the patient (role patient) or one of their guardians. "
        "Its addresses start unverified, and nothing is sent before consent is recorded.",
    )
    def create(self, request: Request) -> Response:
        contact = services.contact_create(actor=self.user, **self.validated(ContactCreateIn))
        return _contact_answer(contact, status.HTTP_201_CREATED)

    @extend_schema(
        request=ContactUpdateIn,
        responses={200: ContactOut, **CHANGE_ERRORS},
        tags=STAFF_TAGS,
        description="A changed address must be verified again.",
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        contact = services.contact_update(
            contact=self.get_object(), actor=self.user, **self.validated(ContactUpdateIn)
        )
        return _contact_answer(contact)

    @extend_schema(
        request=PreferencesIn,
        responses={200: PreferencesSavedOut, **CHANGE_ERRORS},
        tags=STAFF_TAGS,
    )
    @action(detail=True, methods=["patch"])
    def preferences(self, request: Request, pk: str) -> Response:
        saved = services.contact_preferences_update(
            contact=self.get_object(), actor=self.user, **self.validated(PreferencesIn)
        )
        return Response(preferences_saved_data(saved))

    @extend_schema(
        request=StaffConsentIn,
        responses={201: ConsentOut, **CHANGE_ERRORS},
        tags=STAFF_TAGS,
        description="Record consent given on paper, by web form or said in clinic. The "
        "wording stored is the one `consent-wording/` shows now.",
    )
    @action(detail=True, methods=["post"])
    def consents(self, request: Request, pk: str) -> Response:
        consent = services.consent_record(
            contact=self.get_object(), recorded_by=self.user, **self.validated(StaffConsentIn)
        )
        return Response(ConsentOut(consent).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ChannelIn, responses={200: ContactOut, **CHANGE_ERRORS}, tags=STAFF_TAGS)
    @action(detail=True, methods=["post"], url_path="consents/withdraw")
    def withdraw_consent(self, request: Request, pk: str) -> Response:
        contact = self.get_object()
        services.consent_withdraw(
            contact=contact, channel=self._validated_channel(), actor=self.user
        )
        return _contact_answer(contact)

    @extend_schema(
        request=ChannelIn, responses={202: VerificationOut, **SEND_ERRORS}, tags=STAFF_TAGS
    )
    @action(detail=True, methods=["post"])
    def verification(self, request: Request, pk: str) -> Response:
        contact = self.get_object()
        return _send(contact, self._validated_channel())

    @extend_schema(request=CodeIn, responses={200: ContactOut, **CHANGE_ERRORS}, tags=STAFF_TAGS)
    @action(detail=True, methods=["post"], url_path="verification/confirm")
    def verification_confirm(self, request: Request, pk: str) -> Response:
        contact = services.verification_confirm_code(
            contact=self.get_object(), code=self.validated(CodeIn)["code"]
        )
        return _contact_answer(contact)
