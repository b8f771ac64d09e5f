"""The API's record of writes sent with an ``Idempotency-Key`` header
(programs/api/idempotency.py)."""

from __future__ import annotations

from django.db import models

from programs.models.clinic import User


class IdempotencyKey(models.Model):
    """One write a client sent with a key, and the answer it got, so the same request sent
    again (a retry after a lost answer) gets that answer back instead of being done twice."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=2000)
    request_hash = models.CharField(
        max_length=64, help_text="SHA-256 of the method, the path and the body."
    )
    response_status = models.PositiveSmallIntegerField()
    response_body = models.JSONField(null=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            # Two requests with one key, even at the same moment: one does the write, the
            # other waits for it and answers with what it stored.
            models.UniqueConstraint(fields=["user", "key"], name="one_request_per_key")
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.path} ({self.key})"
