"""The metadata of every table family, which autogenerate and the schema test compare against.

A family left out here would be proposed for dropping by autogenerate; a new family with its own declarative base
is added here.
"""

from __future__ import annotations

from sqlalchemy import MetaData

from ressursbank.db.tables import Base
from ressursbank.db.tables_app import AppBase
from ressursbank.db.tables_security import SecurityBase

TARGET_METADATA: list[MetaData] = [Base.metadata, AppBase.metadata, SecurityBase.metadata]
