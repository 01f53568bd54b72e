"""Executors: where the videos' tasks run and in which order their rows come back.

In this process (``--jobs 1``), in a pool of spawned worker processes next to
a thread of this process (``--jobs N``), or on a Dask distributed cluster
(``--executor dask``). Each worker runs :func:`rppg_bench.runner.evaluate_video`.
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Iterator
from concurrent.futures import (
    FIRST_COMPLETED,
    ProcessPoolExecutor,
    ThreadPoolExecutor,
    wait,
)
from typing import Any

from .runner import VideoTask, evaluate_video


def iter_results(tasks: list[VideoTask], jobs: int, executor: str = "local",
                 scheduler: str | None = None) -> Iterator[list[dict[str, Any]]]:
    """Rows of each task as it finishes: in this process, a process pool (``jobs`` > 1)
    or a Dask cluster (``executor="dask"``, one task per video)."""
    if executor == "dask":
        yield from iter_results_dask(tasks, jobs, scheduler)
        return
    if jobs <= 1:
        for task in tasks:
            yield evaluate_video(task)
        return
    # This process evaluates videos too, in a thread (its imports are done; the main thread
    # only waits and hands out videos), next to jobs - 1 worker processes that each start
    # Python and import MediaPipe and SciPy first. Each slot gets its next video when it
    # finishes one, so the load balances. Spawn, not fork: MediaPipe and BLAS threads in
    # the parent make forked workers crash.
    pool = ProcessPoolExecutor(max_workers=jobs - 1, mp_context=multiprocessing.get_context("spawn"))
    local = ThreadPoolExecutor(max_workers=1, thread_name_prefix="video")
    todo, running = deque(tasks), {}

    def hand_out() -> None:
        if todo and "local" not in running.values():
            running[local.submit(evaluate_video, todo.popleft())] = "local"
        while todo and sum(where == "pool" for where in running.values()) < jobs - 1:
            running[pool.submit(evaluate_video, todo.popleft())] = "pool"

    try:
        hand_out()
        while running:
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for fut in done:
                del running[fut]
            hand_out()
            for fut in done:
                yield fut.result()
    finally:  # on Ctrl-C (or any error) the videos not started yet are dropped, not run to the end
        todo.clear()
        pool.shutdown(wait=True, cancel_futures=True)
        local.shutdown(wait=True, cancel_futures=True)


def iter_results_dask(tasks: list[VideoTask], jobs: int, scheduler: str | None) -> Iterator[list[dict[str, Any]]]:
    """Rows of each task from a Dask distributed cluster (``scheduler`` address, or a LocalCluster)."""
    try:
        from dask.distributed import Client, LocalCluster
        from dask.distributed import as_completed as dask_completed
    except ImportError as exc:
        raise ValueError("--executor dask needs dask.distributed: pip install -e .[dask]") from exc
    cluster = None if scheduler else LocalCluster(n_workers=max(jobs, 1), threads_per_worker=1, processes=True,
                                                  dashboard_address=None)
    client = Client(scheduler or cluster)
    try:
        futures = client.map(evaluate_video, tasks, pure=False)
        for fut in dask_completed(futures):
            yield fut.result()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()

