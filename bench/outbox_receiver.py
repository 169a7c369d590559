"""The local HTTP receiver `bench outbox` delivers webhooks to: counts the distinct `webhook-id`s POSTed
to it (GET answers "distinct posts").

.venv/bin/python -m uvicorn bench.outbox_receiver:app --port PORT
"""

from __future__ import annotations

from typing import Any

received: set[bytes] = set()
posts = 0


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    global posts
    if scope["type"] != "http":
        return
    while (await receive()).get("more_body"):
        pass
    answer = b""
    if scope["method"] == "POST":
        posts += 1
        received.update(value for name, value in scope["headers"] if name == b"webhook-id")
    else:
        answer = f"{len(received)} {posts}".encode()
    await send({"type": "http.response.start", "status": 204 if not answer else 200, "headers": []})
    await send({"type": "http.response.body", "body": answer})
