"""``python -m services.intake``: run one intake instance."""

from services.intake.app import create_app
from services.intake.settings import Settings
from shared.service import serve

if __name__ == "__main__":
    settings = Settings()
    serve(create_app(settings), settings)
