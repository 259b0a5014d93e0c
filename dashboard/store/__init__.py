"""SQL store: schema, engine, migrations and seeding of reference tables."""
