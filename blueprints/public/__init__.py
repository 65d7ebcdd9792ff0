from flask import Blueprint

bp = Blueprint("public", __name__)


@bp.record_once
def _install_page_cache(state) -> None:
    from .cache import install

    install(state.app)


from . import views  # noqa: E402,F401
