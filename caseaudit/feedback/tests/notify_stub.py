"""A local stand-in for GOV.UK Notify's API (POST /v2/notifications/email and /sms), served by
http.server in a thread on 127.0.0.1: the tests send through the official client with no
network. It checks what Notify checks that matters here (a Bearer JWT signed with the key's
secret, the template id, the address) and records each message."""

import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt

SERVICE_ID = "26785a09-ab16-4eb0-8407-a37497a57506"
SECRET = "3d844edf-8d35-48ac-975b-e847b4f122b0"
API_KEY = f"caseaudit_test-{SERVICE_ID}-{SECRET}"


class NotifyStub:
    def __init__(self):
        self.messages: list[dict] = []
        self.refuse_with: tuple[int, str] | None = None
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):  # noqa: N802 - http.server's name
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                auth = self.headers.get("Authorization", "")
                try:
                    claims = jwt.decode(auth.removeprefix("Bearer "), SECRET, algorithms=["HS256"])
                    assert claims["iss"] == SERVICE_ID
                except Exception:  # noqa: BLE001
                    return self._answer(
                        403, {"errors": [{"error": "AuthError", "message": "Invalid token"}]}
                    )
                if stub.refuse_with:
                    status, message = stub.refuse_with
                    return self._answer(
                        status, {"errors": [{"error": "BadRequestError", "message": message}]}
                    )
                kind = self.path.rsplit("/", 1)[-1]
                stub.messages.append({"kind": kind, **body})
                self._answer(201, {"id": str(uuid.uuid4()), "reference": body.get("reference")})

            def _answer(self, status, payload):
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
