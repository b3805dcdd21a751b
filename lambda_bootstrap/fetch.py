"""Run a load's AWS tasks concurrently under one deadline; the first failure stops them all.

Worker threads are daemon threads: a load that ends (done, failed or past its
deadline) leaves nothing that keeps the process alive, and a call still in
flight at that moment has its answer thrown away. Cancelling the run makes
every task stop before its next AWS call (:mod:`.retry`).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Sequence

from .errors import SourceUnavailableError
from .merge import Entry
from .retry import Cancelled, LoadRun
from .sources import ClientFor, Source, Task

__all__ = ["MAX_WORKERS", "PendingFetch", "fetch_entries", "start_fetch"]

MAX_WORKERS = 32
# After the first failure, how long the others may take to report theirs (for one error naming all).
GRACE = 0.25


def fetch_entries(sources: Sequence[Source], client_for: ClientFor, run: LoadRun) -> list[Entry]:
    """Every entry of every source, or the first error (others that failed too are added as notes)."""
    return start_fetch(sources, client_for, run).result()


class PendingFetch:
    """A fetch under way in its worker threads; :meth:`result` waits for it (under the run's deadline)."""

    def __init__(self, tasks: list[tuple[str, Task]], run: LoadRun) -> None:
        self.run = run
        self._tasks = tasks
        self._done: queue.SimpleQueue[tuple[int, list[Entry] | BaseException]] = queue.SimpleQueue()
        todo: queue.SimpleQueue[tuple[int, Task]] = queue.SimpleQueue()
        for number, (_, task) in enumerate(tasks):
            todo.put((number, task))
        for _ in range(min(MAX_WORKERS, len(tasks))):
            threading.Thread(target=_work, args=(todo, self._done, run), name="lambda_bootstrap", daemon=True).start()

    def result(self) -> list[Entry]:
        run, tasks = self.run, self._tasks
        results: dict[int, list[Entry]] = {}
        failures: list[BaseException] = []
        pending = set(range(len(tasks)))
        while pending:
            timeout = GRACE if failures else run.remaining()
            try:  # past the deadline, answers already in still count
                number, outcome = self._done.get(timeout=timeout) if timeout > 0 else self._done.get_nowait()
            except queue.Empty:
                break
            pending.discard(number)
            if isinstance(outcome, BaseException):
                run.cancel()  # no call of this load starts again
                if not isinstance(outcome, Cancelled):
                    failures.append(outcome)
            else:
                results[number] = outcome
        run.cancel()  # whatever happens next, the workers make no further call
        if failures:
            first = failures[0]
            for other in failures[1:]:
                first.add_note(f"also failed: {other}")
            raise first
        if pending:
            labels = ", ".join(sorted({tasks[number][0] for number in pending}))
            raise SourceUnavailableError(
                f"no complete answer from {labels} within the {run.seconds:g} s deadline "
                "(BOOTSTRAP_TIMEOUT); is AWS reachable from here (a Lambda in a VPC: endpoints or a NAT gateway)?",
                resource=labels,
                timed_out=True,
            )
        return [entry for number in range(len(tasks)) for entry in results[number]]


def start_fetch(sources: Sequence[Source], client_for: ClientFor, run: LoadRun) -> PendingFetch:
    """Start fetching every source (clients are made here, on the caller's thread); the calls run in threads.

    What the workers would otherwise import on their first connection is imported here first, so that
    while they wait on the network (a prefetch) they import nothing the caller may be importing too.
    """
    import encodings.idna  # noqa: F401 - the socket layer's host name codec

    return PendingFetch([(source.label, task) for source in sources for task in source.tasks(client_for)], run)


def _work(
    todo: queue.SimpleQueue[tuple[int, Task]],
    done: queue.SimpleQueue[tuple[int, list[Entry] | BaseException]],
    run: LoadRun,
) -> None:
    while True:
        try:
            number, task = todo.get_nowait()
        except queue.Empty:
            return
        try:
            done.put((number, task(run)))
        except Exception as error:  # BootstrapError, or a bug: either way one of this load's failures
            done.put((number, error))
