"""Qt job running: cancellable generator jobs on a thread pool, reported through Qt signals."""

from melodystudio.jobs.worker import JobHandle, JobRunner, drive

__all__ = ["JobHandle", "JobRunner", "drive"]
