"""Signed webhooks of an engagement: subscriptions, the outbox of deliveries, the sender."""
