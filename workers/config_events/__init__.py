"""Configuration and the business clock as events on Kafka (`config`, `config.changes`, `clock`)."""
