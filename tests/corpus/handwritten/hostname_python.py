# Pins: `fingerprint` must NOT fire. The hostname is read only to label a log line for the user.
import logging
import socket

logger = logging.getLogger(__name__)


def hello() -> None:
    logger.info("running on %s", socket.gethostname())
