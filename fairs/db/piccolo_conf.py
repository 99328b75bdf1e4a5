"""Piccolo's configuration module (``PICCOLO_CONF=fairs.db.piccolo_conf``)."""

from piccolo.conf.apps import AppRegistry

from fairs.db.engine import engine_for
from fairs.settings import get_settings

DB = engine_for(get_settings().database_url, get_settings().db_statement_cache_size)

APP_REGISTRY = AppRegistry(apps=["fairs.db.piccolo_app"])
