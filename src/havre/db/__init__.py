"""Database layer: declarative base, engines per region, migrations."""
