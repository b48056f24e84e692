"""Signed webhooks (Standard Webhooks) for a service's public feed.

A service hosts the kernel with three pieces of its own: a migration creating the tables
(``schema.create_tables``), a ``FeedSource`` reading its public feed, and the worker
entrypoint. The feed (registry change log, credit disclosure log) is written in the same
transaction as the state change, like the outbox; the worker fans each new entry out to the
matching subscriptions as delivery rows, in one transaction with its cursor, and sends them
with retries. Nothing is lost across restarts, and a delivery cut off mid-send is sent again
with the same ``webhook-id`` (receivers deduplicate on it).
"""
