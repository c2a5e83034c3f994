"""Scheduled housekeeping of credentials."""

from audit_app.agencies.operations import purge_old_credentials
from audit_app.core.jobs import scheduled_job


@scheduled_job("agencies.purge_old_credentials", "cron", hour=3, minute=15)
def purge_old_credentials_job(now):
    """Delete sign-in attempts, links and API tokens that expired over 30 days ago."""
    return {"deleted": purge_old_credentials(now)}
