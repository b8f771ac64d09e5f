"""SMS printed on the console, for development (`make run` shows them in the worker's log)."""

from __future__ import annotations

import logging
import uuid

from reminders.channels import ChannelBackend, OutgoingMessage, SendResult

logger = logging.getLogger("reminders.sms")


class ConsoleSms(ChannelBackend):
    supports_idempotency = False

    def send(self, message: OutgoingMessage) -> SendResult:
        logger.info("SMS to %s: %s", message.to, message.body)
        return SendResult(provider_message_id=f"SMconsole{uuid.uuid4().hex[:24]}")
