"""Signed webhooks to council systems (Standard Webhooks): endpoints, delivery, the delivery log.

tables.py      endpoints, events owed to each, every attempt (tenant schema)
endpoints.py   register, change, rotate the secret, disable, enable, remove (audited)
secrets.py     `whsec_` secrets, kept sealed with a key derived from the platform's secret key
targets.py     which addresses may be sent to (SSRF): checked at registration and on each connection
payload.py     the body a council system receives
sending.py     one signed POST with short timeouts, through the guarded HTTP client
deliveries.py  what is owed, recording attempts, the rule that disables a failing endpoint
sender.py      sending and recording together; manual redelivery
subscriber.py  the queue's "webhooks" EventSubscriber
alerts.py      the port that tells a council's admins an endpoint was disabled
routes.py      the council admins' JSON API (/api/v1/webhooks/...)
"""
