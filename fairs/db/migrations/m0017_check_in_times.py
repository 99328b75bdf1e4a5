from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import ForeignKey, Serial, Timestamptz, Varchar
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table


class TourRide(Table, tablename="tour_ride", schema=None):
    id = Serial(
        null=False,
        primary_key=True,
        unique=False,
        index=False,
        index_method=IndexMethod.btree,
        choices=None,
        db_column_name="id",
        secret=False,
    )


class TourVillage(Table, tablename="tour_village", schema=None):
    id = Serial(
        null=False,
        primary_key=True,
        unique=False,
        index=False,
        index_method=IndexMethod.btree,
        choices=None,
        db_column_name="id",
        secret=False,
    )


ID = "2026-11-27T01:27:05:889934"
VERSION = "1.38.0"
DESCRIPTION = "check-in times"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="fairs", description=DESCRIPTION
    )

    manager.add_column(
        table_class_name="Registration",
        tablename="registration",
        column_name="check_in_client_id",
        db_column_name="check_in_client_id",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 100,
            "default": "",
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="Registration",
        tablename="registration",
        column_name="checked_in_at",
        db_column_name="checked_in_at",
        column_class_name="Timestamptz",
        column_class=Timestamptz,
        params={
            "default": None,
            "null": True,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="Registration",
        tablename="registration",
        column_name="checked_in_by",
        db_column_name="checked_in_by",
        column_class_name="ForeignKey",
        column_class=ForeignKey,
        params={
            "references": "Account",
            "on_delete": OnDelete.set_null,
            "on_update": OnUpdate.cascade,
            "target_column": None,
            "null": True,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    return manager
