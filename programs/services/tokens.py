"""API tokens: one per user, issued at sign-in, good for API_TOKEN_DAYS from when it was
issued, and revoked when the user signs out of the API or their password changes.

A password change revokes the tokens wherever it happens (the web's reset, the admin's
password form, ``set_password`` in a shell or a command): a receiver on the user's save, below,
connected in ProgramsConfig.ready(). Deleting a token also forgets the cached grants of
today's session at once (programs/cache.py, on the token's post_delete).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_save, pre_save
from django.utils import timezone
from rest_framework.authtoken.models import Token

from programs.models import User


def token_expires_at(created: datetime) -> datetime:
    return created + timedelta(days=settings.API_TOKEN_DAYS)


def token_is_expired(created: datetime, *, now: datetime | None = None) -> bool:
    return (now or timezone.now()) >= token_expires_at(created)


@transaction.atomic
def token_issue(*, user: User) -> Token:
    """The user's token: the one they have while it lasts, else a new one."""
    token = Token.objects.select_for_update().filter(user=user).first()
    if token is not None and not token_is_expired(token.created):
        return token
    if token is not None:
        token.delete()
    # get_or_create: a sign-in at the same moment may have made it already.
    issued, _ = Token.objects.get_or_create(user=user)
    return issued


@transaction.atomic
def tokens_revoke(*, user_id: int) -> int:
    """Sign the user out of the API everywhere; how many tokens were revoked."""
    deleted, _ = Token.objects.filter(user_id=user_id).delete()
    return deleted


# A password change, noticed before the save (pre_save) and acted on after it (post_save), so
# the tokens go only once the new password is written.
_PASSWORD_CHANGED = "_tokens_password_changed"


def _password_changed(instance: User, update_fields: frozenset[str] | None) -> bool:
    if getattr(instance, "_password", None) is not None:
        # set_password() since the user was loaded. Django's own upgrade of a hash at sign-in
        # (the same password, hashed anew) clears this before it saves, as it is no change.
        return True
    if update_fields is not None and (
        "password" not in update_fields or instance.has_usable_password()
    ):
        # A save of other fields, or that upgrade of the hash.
        return False
    # A hash written directly, or set_unusable_password(): compare with the stored one.
    previous = User.objects.filter(pk=instance.pk).values_list("password", flat=True).first()
    return previous is not None and previous != instance.password


def _on_user_saving(
    sender: Any,
    instance: User,
    raw: bool = False,
    update_fields: frozenset[str] | None = None,
    **kwargs: Any,
) -> None:
    if raw or instance._state.adding:
        return
    if _password_changed(instance, update_fields):
        setattr(instance, _PASSWORD_CHANGED, True)


def _on_user_saved(sender: Any, instance: User, **kwargs: Any) -> None:
    if instance.__dict__.pop(_PASSWORD_CHANGED, False):
        tokens_revoke(user_id=instance.pk)


pre_save.connect(_on_user_saving, sender=User, dispatch_uid="programs.services.tokens")
post_save.connect(_on_user_saved, sender=User, dispatch_uid="programs.services.tokens")
