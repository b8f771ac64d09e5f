"""What every staff viewset shares: who may call it, integer ids, and the in/out plumbing."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import Model
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from programs.api.errors import error_responses
from programs.api.idempotency import IdempotentWrites
from programs.api.permissions import IsStaffMember
from programs.models import User

M = TypeVar("M", bound=Model)

# The errors each kind of operation can answer with, all in the one error format.
# A list answers 404 for a page past its end.
LIST_ERRORS = error_responses(400, 401, 403, 404)
READ_ERRORS = error_responses(401, 403, 404)
CREATE_ERRORS = error_responses(400, 401, 403)
CHANGE_ERRORS = error_responses(400, 401, 403, 404)


class StaffViewSet(IdempotentWrites, viewsets.GenericViewSet[M]):
    # Ids are integers (the schema says so, from the model); anything else is simply not found.
    permission_classes = [IsAuthenticated, IsStaffMember]

    @property
    def user(self) -> User:
        user = self.request.user
        assert isinstance(user, User)
        return user

    def validated(self, serializer_class: type[serializers.Serializer[Any]]) -> dict[str, Any]:
        """The request body checked by ``serializer_class``; a 400 naming the field if not."""
        serializer = serializer_class(data=self.request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def respond(
        self,
        serializer_class: type[serializers.BaseSerializer[Any]],
        instance: Any,
        status_code: int = status.HTTP_200_OK,
        **context: Any,
    ) -> Response:
        context = {**self.get_serializer_context(), **context}
        return Response(serializer_class(instance, context=context).data, status=status_code)


class ReadOnlyStaffViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, StaffViewSet[M]):
    """List and retrieve; subclasses add what else may be done."""
