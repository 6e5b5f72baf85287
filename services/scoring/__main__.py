"""``python -m services.scoring``: run one scoring instance."""

from services.scoring.app import create_app
from services.scoring.settings import Settings
from shared.service import serve

if __name__ == "__main__":
    settings = Settings()
    serve(create_app(settings), settings)
