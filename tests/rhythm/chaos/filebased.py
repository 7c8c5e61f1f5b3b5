"""The file email backend of the chaos test (tests/rhythm/test_chaos.py), for worker processes.

Each connection writes a file of its own (the process id in its name: forked pool processes
would otherwise share one), and each message is flushed to the operating system as it is
accepted, so that a ``kill -9`` loses nothing the ledger was told was sent. ``CHAOS_MAIL_DELAY``
seconds per message stand for a mail server's answer time, so that a sweep lasts long enough to
be interrupted.
"""

import os
import time
import uuid

from django.core.mail.backends import filebased


class EmailBackend(filebased.EmailBackend):
    def _get_filename(self):
        if self._fname is None:
            name = f"{os.getpid()}-{uuid.uuid4().hex}.log"
            self._fname = os.path.join(self.file_path, name)
        return self._fname

    def write_message(self, message):
        time.sleep(float(os.environ.get("CHAOS_MAIL_DELAY", "0")))
        super().write_message(message)
