"""The declarative table of scheduled jobs and the separate scheduler process (``flask scheduler run``/``tick``).

Jobs are registered with ``@scheduled_job`` in each package's ``jobs.py``; each body takes ``now`` and is an
idempotent database sweep. The scheduler runs each inside an app context with one commit. Web workers never
start the scheduler: only ``flask scheduler run`` does.
"""

import logging
from dataclasses import dataclass, field
from datetime import datetime

import click
from flask import current_app
from flask.cli import AppGroup

from audit_app.core.audit import set_actor
from audit_app.core.models.base import utcnow

logger = logging.getLogger(__name__)

JOB_DEFAULTS = {"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600}


@dataclass(frozen=True)
class JobSpec:
    """One scheduled job: its id (``<package>.<function>``), its APScheduler trigger, and its body."""

    id: str
    func: object
    trigger: str
    trigger_args: dict = field(default_factory=dict)


#: id -> JobSpec, filled by ``@scheduled_job`` as the packages' jobs modules are imported.
JOBS: dict[str, JobSpec] = {}


def scheduled_job(job_id, trigger, **trigger_args):
    """Register a job body ``func(now)`` under ``job_id`` with an APScheduler trigger (``interval``, ``cron``)."""

    def decorator(func):
        if job_id in JOBS and JOBS[job_id].func is not func:
            raise ValueError(f"Duplicate job id {job_id}")
        JOBS[job_id] = JobSpec(job_id, func, trigger, trigger_args)
        return func

    return decorator


def run_job(app, job_id, now=None):
    """Run one job inside an app context with one commit, or roll back and log on error.

    :return: whatever the job body returned (counts, for logs and tests).
    """
    from audit_app.extensions import db

    spec = JOBS[job_id]
    with app.app_context():
        set_actor(None, channel="scheduler")
        try:
            result = spec.func(now or utcnow())
            db.session.commit()
        except Exception:
            db.session.rollback()
            logger.exception("Job %s failed", job_id)
            raise
        finally:
            db.session.remove()
    logger.info("Job %s ran: %s", job_id, result)
    return result


scheduler_cli = AppGroup("scheduler", help="Run scheduled jobs (reminders, chasing, the e-mail outbox).")


@scheduler_cli.command("run")
def scheduler_run():
    """Run the scheduler in the foreground (exactly one such process per deployment)."""
    from apscheduler.schedulers.blocking import BlockingScheduler

    app = current_app._get_current_object()
    scheduler = BlockingScheduler(job_defaults=JOB_DEFAULTS, timezone="UTC")
    for spec in JOBS.values():
        scheduler.add_job(run_job, spec.trigger, args=[app, spec.id], id=spec.id, **spec.trigger_args)
    click.echo(f"Scheduler started with {len(JOBS)} jobs: {', '.join(sorted(JOBS))}")
    scheduler.start()


@scheduler_cli.command("tick")
@click.option("--now", "now_text", help="Run as if it were this ISO date-time (UTC unless an offset is given).")
def scheduler_tick(now_text):
    """Run every job once, as due at that moment, then exit (for operations and tests)."""
    from datetime import UTC

    now = None
    if now_text:
        try:
            now = datetime.fromisoformat(now_text)
        except ValueError as exc:
            raise click.BadParameter(f"not an ISO date-time: {now_text}", param_hint="--now") from exc
        now = now.replace(tzinfo=UTC) if now.tzinfo is None else now.astimezone(UTC)
    app = current_app._get_current_object()
    for job_id in sorted(JOBS):
        result = run_job(app, job_id, now)
        click.echo(f"{job_id}: {result}")
