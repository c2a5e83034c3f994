"""Health of the service."""

from sqlalchemy import text

from audit_app.api.schemas import ApiBlueprint, HealthSchema
from audit_app.extensions import db

blp = ApiBlueprint("api_system", __name__, url_prefix="/api/v1", description="Service health")


@blp.route("/health")
@blp.response(200, HealthSchema)
@blp.doc(security=[])
def health():
    """Whether the service and its database answer."""
    try:
        db.session.execute(text("SELECT 1"))
        database = "ok"
    except Exception:  # a broken database is reported, not raised
        db.session.rollback()
        database = "unavailable"
    return {"status": "ok" if database == "ok" else "degraded", "database": database}
