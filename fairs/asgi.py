"""The ASGI application for uvicorn (``fairs.asgi:app``), built from the environment."""

from fairs.api.app import create_app
from fairs.settings import get_settings

app = create_app(get_settings(), freeze_when_started=True)
