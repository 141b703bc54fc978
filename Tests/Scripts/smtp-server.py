"""A real SMTP server for Playhouse's email tests: aiosmtpd on 127.0.0.1, run by the test
with the venv `make test` sets up (.venv-test, aiosmtpd pinned in the Makefile).

  smtp-server.py --port P --folder DIR [--cert PEM --key PEM [--implicit-tls]]
                 [--user U --password W [--mechanisms LOGIN,PLAIN]]

With --cert and --key it offers STARTTLS (or, with --implicit-tls, speaks TLS from the
first byte, as on port 465); without them it has no TLS at all. With --user it takes
AUTH PLAIN and LOGIN for that one user, and only over TLS when it has TLS; without TLS it
still takes AUTH, so a client that sent a password in clear would be seen doing it.

Every AUTH attempt is a line in DIR/auth.log ("MECHANISM LOGIN ok|refused"). Every
message is DIR/N.eml (the bytes as received) and DIR/N.json (the envelope, and the
message as Python's own email parser reads it); the .json is renamed into place last, so
a reader that sees it sees both whole.
"""

import argparse
import email
import email.policy
import itertools
import json
import os
import ssl
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def write_atomically(path, data):
    with open(path + ".part", "wb") as file:
        file.write(data)
    os.rename(path + ".part", path)


class Folder:
    """aiosmtpd's handler: each message into the folder."""

    def __init__(self, folder, implicit_tls):
        self.folder = folder
        self.implicit_tls = implicit_tls
        self.numbers = itertools.count(1)

    async def handle_DATA(self, server, session, envelope):
        number = next(self.numbers)
        raw = envelope.original_content
        write_atomically(os.path.join(self.folder, f"{number}.eml"), raw)
        message = email.message_from_bytes(raw, policy=email.policy.default)
        text = message.get_body(("plain",))
        html = message.get_body(("html",))
        parsed = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "tls": self.implicit_tls or session.ssl is not None,
            "login": session.auth_data,
            "headers": {name: str(value) for name, value in message.items()},
            "content_type": message.get_content_type(),
            "text": text.get_content() if text is not None else None,
            "html": html.get_content() if html is not None else None,
        }
        write_atomically(os.path.join(self.folder, f"{number}.json"), json.dumps(parsed).encode())
        return "250 OK queued as %d" % number


class Authenticator:
    """Takes one user and password; logs every attempt."""

    def __init__(self, folder, user, password):
        self.log = os.path.join(folder, "auth.log")
        self.user = user.encode()
        self.password = password.encode()
        self.lock = threading.Lock()

    def __call__(self, server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and auth_data.login == self.user and auth_data.password == self.password
        login = auth_data.login.decode(errors="replace") if isinstance(auth_data, LoginPassword) else "?"
        with self.lock, open(self.log, "a") as log:
            log.write(f"{mechanism} {login} {'ok' if ok else 'refused'}\n")
        return AuthResult(success=ok, handled=False, auth_data=login if ok else None)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--folder", required=True)
    parser.add_argument("--cert")
    parser.add_argument("--key")
    parser.add_argument("--implicit-tls", action="store_true")
    parser.add_argument("--user")
    parser.add_argument("--password")
    parser.add_argument("--mechanisms", help="what AUTH offers, of LOGIN and PLAIN (default both)")
    arguments = parser.parse_args()

    tls = None
    if arguments.cert:
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(arguments.cert, arguments.key)
    options = {}
    if arguments.user:
        options["authenticator"] = Authenticator(arguments.folder, arguments.user, arguments.password)
        # aiosmtpd counts only STARTTLS as TLS here; a connection in TLS from the start is.
        options["auth_require_tls"] = tls is not None and not arguments.implicit_tls
        if arguments.mechanisms:
            options["auth_exclude_mechanism"] = {"LOGIN", "PLAIN"} - set(arguments.mechanisms.split(","))
    handler = Folder(arguments.folder, arguments.implicit_tls)
    if arguments.implicit_tls:
        controller = Controller(handler, hostname="127.0.0.1", port=arguments.port, ssl_context=tls, **options)
    else:
        controller = Controller(handler, hostname="127.0.0.1", port=arguments.port, tls_context=tls, **options)
    controller.start()
    # Until the test sends SIGTERM.
    threading.Event().wait()


if __name__ == "__main__":
    main()
