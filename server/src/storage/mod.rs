//! Storage: one interface, SQLite and PostgreSQL behind it.
