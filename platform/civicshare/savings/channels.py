"""The channels a contact arrives through, and which of them count as digital.

Digital share = (web + app) / contacts on every channel.

Web and app are self-service: the resident completes the transaction without a member of staff.
Email, letters and webchat are written channels, but someone in the council reads and answers each
contact, so they count as contacts (the denominator) and never as digital (the numerator). Moving a
contact from phone to webchat still saves money, and the cost figures show it; it just is not channel
shift to self-service.

We call face to face, phone, email, letter and webchat "staffed" channels rather than "assisted": in
council language "assisted digital" means staff completing the online flow on a resident's behalf, and
that is recorded as the staffed contact it was (phone, face to face, email, webchat or letter).
"""

from __future__ import annotations

from enum import StrEnum


class Channel(StrEnum):
    FACE_TO_FACE = "face_to_face"
    PHONE = "phone"
    EMAIL = "email"
    LETTER = "letter"
    WEBCHAT = "webchat"
    WEB = "web"
    APP = "app"


DIGITAL_CHANNELS: frozenset[Channel] = frozenset({Channel.WEB, Channel.APP})
STAFFED_CHANNELS: frozenset[Channel] = frozenset(Channel) - DIGITAL_CHANNELS


def is_digital(channel: Channel) -> bool:
    return channel in DIGITAL_CHANNELS
