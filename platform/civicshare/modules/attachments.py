"""What files a resident may attach to a transaction (photos of a pothole, of fly-tipping)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

_TYPE_NAMES = {"image/jpeg": "JPG", "image/png": "PNG", "application/pdf": "PDF"}


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    size_bytes: int


@dataclass(frozen=True, kw_only=True)
class AttachmentPolicy:
    allowed_types: frozenset[str] = frozenset({"image/jpeg", "image/png"})
    max_bytes: int = 10 * 1024 * 1024
    max_count: int = 3
    required: bool = False
    noun: str = "photo"
    prompt: str | None = None
    """The heading that asks for the files after sending, when they are needed rather than optional
    ("Upload proof that you live at the address")."""

    def problems(self, files: Sequence[Attachment]) -> dict[str, str]:
        """GOV.UK file upload messages keyed `attachments` or `attachments.<n>`."""
        if not files:
            return {"attachments": f"Select a {self.noun}"} if self.required else {}
        if len(files) > self.max_count:
            plural = self.noun if self.max_count == 1 else f"{self.noun}s"
            return {"attachments": f"You can only upload {self.max_count} {plural}"}
        found: dict[str, str] = {}
        for index, file in enumerate(files):
            if file.content_type not in self.allowed_types:
                found[f"attachments.{index}"] = f"The selected file must be a {self.type_names()}"
            elif file.size_bytes > self.max_bytes:
                found[f"attachments.{index}"] = f"The selected file must be smaller than {self._size()}"
            elif file.size_bytes == 0:
                found[f"attachments.{index}"] = "The selected file is empty"
        return found

    def hint(self) -> str:
        """What may be attached, in the words of a GOV.UK file upload hint."""
        plural = self.noun if self.max_count == 1 else f"{self.noun}s"
        return f"{self.type_names()}, smaller than {self._size()} each. You can add up to {self.max_count} {plural}."

    def type_names(self) -> str:
        """The kinds of file accepted, as a GOV.UK message names them: "JPG, PNG or HEIC"."""
        # HEIC (iPhone photos) is accepted wherever JPEG is: the platform converts it (transactions.photos).
        order = list(_TYPE_NAMES)
        kinds = sorted(self.allowed_types, key=lambda kind: order.index(kind) if kind in order else len(order))
        names = [_TYPE_NAMES.get(kind, kind) for kind in kinds]
        if "image/jpeg" in self.allowed_types:
            names.insert(names.index("JPG") + 1 + ("image/png" in self.allowed_types), "HEIC")
        return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"

    def _size(self) -> str:
        megabytes = self.max_bytes / (1024 * 1024)
        return f"{megabytes:g}MB"
