"""The Piccolo app that owns the tables and migrations."""

import os

from piccolo.conf.apps import AppConfig

from fairs.db.tables import TABLES

APP_CONFIG = AppConfig(
    app_name="fairs",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "migrations"),
    table_classes=list(TABLES),
    migration_dependencies=[],
    commands=[],
)
