"""Logging filters for config/settings.py's LOGGING."""

from __future__ import annotations

import logging


class RefusalWithoutTraceback(logging.Filter):
    """django.request logs a PermissionDenied (403) with the exception's traceback, though it is
    no error of ours: someone asked for a page that is not theirs. Keep the one line (which path
    was refused) and drop the traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) == 403:
            record.exc_info = None
            record.exc_text = None
        return True
