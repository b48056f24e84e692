"""The project's shared kernel: settings, database, outbox, Kafka relay and consumer, auth, errors."""
