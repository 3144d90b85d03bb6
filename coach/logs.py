"""Logs never hold a capability token: the token of a sign-off link is redacted.

Whoever holds the token of /s/<token> can sign for the employer, so a log line that
carries it is as good as the link. The database keeps only its SHA-256; the logs keep
neither. The filter goes on gunicorn's access and error logs (gunicorn.conf.py names
the logger class below), on the app's logger and on the development server's.
"""

import logging
import re

from gunicorn.glogging import Logger

# The capability routes, /s/<token> (sign-off) and /r/<token> (a shared progress report),
# wherever they appear in a line (request line, path, referrer, a message naming the path).
SIGNOFF_TOKEN = re.compile(r"/([sr])/[^/?#\s\"']+")
PLACEHOLDER = r"/\1/[token]"


def redact_tokens(text: str) -> str:
    """The text with the token of every capability path replaced by a placeholder."""
    return SIGNOFF_TOKEN.sub(PLACEHOLDER, text)


class RedactTokens(logging.Filter):
    """Rewrites a record's message with the tokens taken out; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact_tokens(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


def keep_tokens_out_of(*loggers: logging.Logger) -> None:
    """Put the filter on each logger, once (apps made again in tests share loggers)."""
    for logger in loggers:
        if not any(isinstance(f, RedactTokens) for f in logger.filters):
            logger.addFilter(RedactTokens())


class RedactingGunicornLogger(Logger):
    """gunicorn's logger with tokens taken out of the access log and the error log."""

    def __init__(self, cfg):
        super().__init__(cfg)
        keep_tokens_out_of(self.access_log, self.error_log)
