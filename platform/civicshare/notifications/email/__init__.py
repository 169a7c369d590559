"""Email to residents and to a council's own people.

- `residents.ResidentEmails`: the job queue's "email" subscriber (confirmation on submission, update on
  a status change), built with `ResidentEmails.from_services(services)`.
- `council_admins.email_council_admins`: a platform notice to a council's administrators.
- `wording`: the templates' sandboxed language and placeholders; `store`: a council's templates,
  settings and message records; `providers`: SMTP and GOV.UK Notify; `capture`: the demo's mail sink.
"""
