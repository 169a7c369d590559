"""The one refusal every provider (SMTP, GOV.UK Notify's email and text messages) reports."""


class DeliveryRefused(Exception):
    """The provider refused the message for good."""
