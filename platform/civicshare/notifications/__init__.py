"""What leaves the platform: the outbox of events, the job queue that delivers them, email to residents
and signed webhooks to council systems."""
