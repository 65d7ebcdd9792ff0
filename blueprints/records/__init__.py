from flask import Blueprint

bp = Blueprint("records", __name__, url_prefix="/console/records")


@bp.record_once
def _check_settings(state) -> None:
    """Refuse to start with a records setting that would fail on first use."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from beatdesk.due_dates import rules_for

    config = state.app.config
    try:
        rules_for(config.get("RECORDS_RULES"))
    except ValueError as exc:
        raise RuntimeError(str(exc)) from exc
    try:
        ZoneInfo(config.get("TIMEZONE") or "America/Chicago")
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise RuntimeError(f"TIMEZONE is not a known time zone: {config.get('TIMEZONE')!r}") \
            from exc


from . import views  # noqa: E402,F401
from . import messages  # noqa: E402,F401
