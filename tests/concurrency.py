"""Run pieces of work at the same moment, to test what two workers or two requests racing each
other do to the database."""

import threading
from collections.abc import Callable

from django.db import connection


def at_once(*workers: Callable[[], None]) -> None:
    """Run ``workers`` in threads released together, each with its own database connection
    (closed when it is done), and wait up to a minute for each."""
    start = threading.Barrier(len(workers))

    def run(work: Callable[[], None]) -> None:
        try:
            start.wait()
            work()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(work,)) for work in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
