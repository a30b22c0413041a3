"""Worker processes that cannot outlive the process that made them.

Each worker holds the read end of a pipe whose only write end stays in the parent: once the parent is gone,
however it ended (``kill -9``, SIGTERM, a normal exit), the kernel closes that end and the worker reads
end-of-file and exits; a worker still starting when its parent dies exits as soon as it reaches its watch. No
parent id is read, so no timing can miss the parent (a watch that read ``os.getppid()`` after a slow start could
read the id of the process that adopted the orphan). Only the standard library here: workers import it first.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import threading
import time
import weakref
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor


class WorkerProcesses(ProcessPoolExecutor):
    """Spawned worker processes (safe from a server's threads), each ended with this process by its pipe; run at
    ``niceness`` and set up by ``initializer(*initargs)``."""

    def __init__(self, processes: int, initializer: Callable | None = None, initargs: tuple = (), niceness: int = 0):
        context = multiprocessing.get_context("spawn")
        self._lifeline, self._held = context.Pipe(duplex=False)  # (the workers' read end, the write end kept here)
        super().__init__(
            processes,
            mp_context=context,
            initializer=_start_worker,
            initargs=(self._lifeline, niceness, initializer, initargs),
        )
        _LIVE.add(self)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """As ``ProcessPoolExecutor.shutdown``; once the workers are joined, the pipe is closed too."""
        super().shutdown(wait=wait, cancel_futures=cancel_futures)
        if wait:
            self._close_lifeline()

    def __exit__(self, exc_type, exc, traceback) -> bool:
        """Leaving a ``with`` block normally waits for the work, as ``ProcessPoolExecutor`` does; leaving it by an
        error (Ctrl-C included) ends the workers at once, as nobody will read their results."""
        if exc_type is None:
            return bool(super().__exit__(exc_type, exc, traceback))
        self.end()
        return False

    def end(self, wait: bool = False) -> None:
        """End every worker now, running work included: each exits on end-of-file. With ``wait`` (the app is
        stopping), return once they have exited: a worker still starting reads its queues' semaphores by name, and
        would print a traceback if this process freed them first by exiting."""
        self._close_lifeline()
        super().shutdown(wait=wait, cancel_futures=True)

    def _close_lifeline(self) -> None:
        self._held.close()
        self._lifeline.close()
        _LIVE.discard(self)


_LIVE: weakref.WeakSet[WorkerProcesses] = weakref.WeakSet()  # the pools of this process not shut down yet


_ENDED = threading.Event()
END_WAIT_SECONDS = 60.0  # a worker still importing the app reaches its watch (and exits) well within this


def workers_were_ended() -> bool:
    """Whether ``end_worker_processes`` ran: work that broke since was stopped on purpose, not failed."""
    return _ENDED.is_set()


def end_worker_processes() -> None:
    """End the workers of every pool this process made and wait (at most END_WAIT_SECONDS) until they have exited
    (the app calls it as it stops; a process that dies without calling it loses its workers all the same)."""
    _ENDED.set()
    ending = [threading.Thread(target=pool.end, kwargs={"wait": True}, daemon=True) for pool in list(_LIVE)]
    for thread in ending:  # side by side; a worker that never exits is not waited for past the bound
        thread.start()
    deadline = time.monotonic() + END_WAIT_SECONDS
    for thread in ending:
        thread.join(max(0.0, deadline - time.monotonic()))


def _start_worker(lifeline, niceness: int, initializer: Callable | None, initargs: tuple) -> None:
    """In a new worker: the watch that ends it with its parent, its CPU priority, then ``initializer``."""
    threading.Thread(target=_exit_at_end_of_file, args=(lifeline,), daemon=True, name="hloop-parent-watch").start()
    _thread_lock_for_progress_bars()
    if niceness:
        with contextlib.suppress(OSError):  # a platform or sandbox without nice: the same work, at equal priority
            os.nice(niceness)
    if initializer is not None:
        initializer(*initargs)


def _thread_lock_for_progress_bars() -> None:
    """tqdm (which datasets and the embedders use) makes a multiprocessing lock on its first bar: a semaphore the
    resource tracker would report as leaked ("There appear to be N leaked semaphore objects") when this worker
    ends with its parent (``os._exit``, no clean-up). A worker's bars never share a terminal with another process's
    lock holder, so a thread lock does."""
    try:
        from tqdm import tqdm
    except ImportError:
        return
    tqdm.set_lock(threading.RLock())


def _exit_at_end_of_file(lifeline) -> None:
    """Exit this process once the pipe's write end is closed (the parent is gone); nothing is ever sent on it."""
    with contextlib.suppress(EOFError, OSError):
        while True:
            lifeline.recv_bytes()
    os._exit(0)
