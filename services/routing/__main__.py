"""``python -m services.routing``: run one routing instance."""

from services.routing.app import create_app
from services.routing.settings import Settings
from shared.service import serve

if __name__ == "__main__":
    settings = Settings()
    serve(create_app(settings), settings)
