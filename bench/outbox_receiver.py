"""The local HTTP receiver `bench outbox` delivers to: counts the events POSTed to it (GET /count).

.venv/bin/python -m uvicorn bench.outbox_receiver:app --port PORT
"""

from __future__ import annotations

from typing import Any

received: set[str] = set()
posts = 0


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    global posts
    if scope["type"] != "http":
        return
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    answer = b""
    if scope["method"] == "POST":
        posts += 1
        received.add(body[:200].decode(errors="replace"))
    else:
        answer = f"{len(received)} {posts}".encode()
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": answer})
