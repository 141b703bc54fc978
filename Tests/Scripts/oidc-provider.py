"""A real OpenID Connect provider for Playhouse's OIDC sign-in tests: django-oidc-provider on
Django (both pinned in the Makefile's .venv-test), as one file, on 127.0.0.1.

  oidc-provider.py --port P --state-dir DIR --config CONFIG.json

CONFIG.json names the users and the clients:

  {"users": [{"username": "alice", "password": "pw", "email": "a@x", "groups": ["ops"]}],
   "clients": [{"client_id": "playhouse", "client_secret": "s3cret",
                "redirect_uris": ["http://127.0.0.1:1234/auth/oidc/corp/callback"],
                "post_logout_redirect_uris": ["http://127.0.0.1:1234/login"]}]}

The SQLite database lives in DIR (a second start on the same DIR keeps its signing key). The
issuer is http://127.0.0.1:P, with django-oidc-provider's endpoints at the root
(/.well-known/openid-configuration, /authorize, /token, /userinfo, /jwks, /end-session).
Clients are confidential, take response type "code" and sign with RS256; they never show a
consent page. The sign-in page is /accounts/login/: inputs #id_username and #id_password,
button #login-submit, and #login-error when a sign-in was refused. ID tokens carry
preferred_username, email and groups (the user's Django group names); /userinfo gives
groups too for the "groups" scope.

End session: GET or POST /end-session with id_token_hint (an ID token this provider issued;
its "aud" names the client) and post_logout_redirect_uri (one of the client's, else the first
is used), optional state: the user is signed out and sent there without a prompt. Without
id_token_hint, or with a post_logout_redirect_uri the client does not have, django-oidc-provider
asks first on /end-session-prompt (button #end-session-allow signs out).

Test-only endpoints, on loopback only:
  POST /control/groups {"username": U, "groups": [...]}   replaces U's groups
  POST /control/redirects {"client_id": C, "redirect_uris": [...], "post_logout_redirect_uris": [...]}
                                                          replaces C's addresses (a server on a port
                                                          known only once it runs)
  POST /control/rotate-keys                               a new signing key; the old ones go
  POST /control/id-token {"mode": M}                      what /token's id_token is from now
       on: normal, expired, tampered, wrong-audience or wrong-issuer
  GET  /control/log                                       the requests to /token and /end-session

Once it listens it prints one line, {"issuer": "http://127.0.0.1:P"}, and it exits on
SIGTERM. Each request is logged to stderr.
"""

import argparse
import base64
import json
import os
import secrets
import signal
import socketserver
import sys
import threading
import time
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

# The settings below name this file's hooks by dotted path, and the file's name ("oidc-provider")
# is no module name: it is registered under one.
MODULE = "playhouse_oidc_provider"
sys.modules[MODULE] = sys.modules[__name__]

import django  # noqa: E402
from django.conf import settings  # noqa: E402

ID_TOKEN_MODES = ("normal", "expired", "tampered", "wrong-audience", "wrong-issuer")

# What the control endpoints change, and what the log holds; guarded by the request lock.
state = {"id_token_mode": "normal", "log": []}

LOGIN_TEMPLATE = """<!doctype html>
<html><head><meta charset="utf-8"><title>Sign in to the test provider</title></head>
<body>
<h1>Test OpenID provider</h1>
{% if form.errors %}<p id="login-error">Your username and password did not match.</p>{% endif %}
<form method="post" action="{{ request.get_full_path }}">
{% csrf_token %}
<input type="hidden" name="next" value="{{ next }}">
<p><label for="id_username">Username</label> {{ form.username }}</p>
<p><label for="id_password">Password</label> {{ form.password }}</p>
<button type="submit" id="login-submit">Sign in</button>
</form>
</body></html>
"""

# django-oidc-provider's own prompt, with ids a browser test can click.
END_SESSION_PROMPT_TEMPLATE = """<!doctype html>
<html><head><meta charset="utf-8"><title>End session</title></head>
<body>
<h1>End Session</h1>
<p>Sign out of the test provider{% if client %} for {{ client.name }}{% endif %}?</p>
<form method="post" action="{{ end_session_prompt_url }}">
{% csrf_token %}
<button type="submit" id="end-session-cancel">Cancel</button>
<button type="submit" name="allow" value="Yes" id="end-session-allow">Yes</button>
</form>
</body></html>
"""


def configure(port, state_dir):
    issuer = f"http://127.0.0.1:{port}"
    settings.configure(
        DEBUG=False,
        SECRET_KEY=secrets.token_urlsafe(32),
        ALLOWED_HOSTS=["127.0.0.1", "localhost"],
        ROOT_URLCONF=MODULE,
        INSTALLED_APPS=[
            "django.contrib.auth",
            "django.contrib.contenttypes",
            "django.contrib.sessions",
            "oidc_provider",
        ],
        MIDDLEWARE=[
            "django.contrib.sessions.middleware.SessionMiddleware",
            "django.middleware.csrf.CsrfViewMiddleware",
            "django.contrib.auth.middleware.AuthenticationMiddleware",
            MODULE + ".TestMiddleware",
        ],
        DATABASES={
            "default": {
                "ENGINE": "django.db.backends.sqlite3",
                "NAME": os.path.join(state_dir, "provider.sqlite3"),
                "OPTIONS": {"timeout": 20},
            }
        },
        DEFAULT_AUTO_FIELD="django.db.models.AutoField",
        USE_TZ=True,
        TEMPLATES=[
            {
                "BACKEND": "django.template.backends.django.DjangoTemplates",
                "OPTIONS": {
                    "loaders": [
                        (
                            "django.template.loaders.locmem.Loader",
                            {
                                "registration/login.html": LOGIN_TEMPLATE,
                                "oidc_provider/end_session_prompt.html": END_SESSION_PROMPT_TEMPLATE,
                            },
                        ),
                        "django.template.loaders.app_directories.Loader",
                    ],
                    "context_processors": [
                        "django.template.context_processors.request",
                        "django.contrib.auth.context_processors.auth",
                    ],
                },
            }
        ],
        # The default PBKDF2 takes a good part of a second per password on a busy test machine.
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        LOGIN_URL="/accounts/login/",
        # Cookies are not kept apart by port: Playhouse on another port of 127.0.0.1 sees these,
        # so they get names of their own.
        SESSION_COOKIE_NAME="oidc_provider_session",
        CSRF_COOKIE_NAME="oidc_provider_csrftoken",
        CSRF_TRUSTED_ORIGINS=[issuer, f"http://localhost:{port}"],
        # The issuer is SITE_URL plus the path oidc_provider's urls are mounted at (none): so
        # exactly http://127.0.0.1:P, whatever Host a request names.
        SITE_URL=issuer,
        OIDC_LOGIN_URL="/accounts/login/",
        OIDC_USERINFO=MODULE + ".userinfo",
        OIDC_EXTRA_SCOPE_CLAIMS=MODULE + ".GroupsScopeClaims",
        OIDC_IDTOKEN_PROCESSING_HOOK=MODULE + ".idtoken_processing_hook",
        LOGGING={
            "version": 1,
            "disable_existing_loggers": False,
            "handlers": {"stderr": {"class": "logging.StreamHandler", "stream": "ext://sys.stderr"}},
            "loggers": {
                "django.request": {"handlers": ["stderr"], "level": "ERROR"},
                # It says why it refused a request (bad secret, code, verifier) only at DEBUG.
                "oidc_provider": {"handlers": ["stderr"], "level": "DEBUG"},
            },
        },
    )
    django.setup()
    return issuer


# Hooks the settings name (defined at import time; they touch Django only when called).


def group_names(user):
    return sorted(user.groups.values_list("name", flat=True))


def userinfo(claims, user):
    claims["preferred_username"] = user.username
    claims["email"] = user.email
    claims["email_verified"] = True
    claims["name"] = user.username
    return claims


def idtoken_processing_hook(id_token, user, token, request, **kwargs):
    id_token["preferred_username"] = user.username
    id_token["email"] = user.email
    id_token["groups"] = group_names(user)
    return id_token


def __getattr__(name):
    # GroupsScopeClaims subclasses oidc_provider's ScopeClaims, which can only be imported once
    # Django is set up: it is made on first use.
    if name == "GroupsScopeClaims":
        from oidc_provider.lib.claims import ScopeClaims

        class GroupsScopeClaims(ScopeClaims):
            info_groups = ("Groups", "The groups you are a member of.")

            def scope_groups(self):
                return {"groups": group_names(self.user)}

        globals()[name] = GroupsScopeClaims
        return GroupsScopeClaims
    raise AttributeError(name)


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def current_signing_key():
    """The key django-oidc-provider signs with: the first RSAKey by id."""
    from cryptography.hazmat.primitives import serialization
    from oidc_provider.models import RSAKey

    rsakey = RSAKey.objects.order_by("id").first()
    return serialization.load_pem_private_key(rsakey.key.encode("utf-8"), password=None), rsakey.kid


def create_rsa_key():
    """What `manage.py creatersakey` does."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from oidc_provider.models import RSAKey

    private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private_key.private_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PrivateFormat.PKCS8,
        encryption_algorithm=serialization.NoEncryption(),
    ).decode("utf-8")
    return RSAKey.objects.create(key=pem)


def rewrite_id_token(id_token, mode):
    """The token endpoint's id_token as `mode` wants it."""
    import jwt

    if mode == "normal":
        return id_token
    header_part, payload_part, signature_part = id_token.split(".")
    payload = json.loads(b64url_decode(payload_part))
    if mode == "tampered":
        # Signed as issued, then the payload changed: the signature no longer matches.
        payload["groups"] = list(payload.get("groups", [])) + ["admins"]
        forged = b64url(json.dumps(payload, separators=(",", ":")).encode("utf-8"))
        return ".".join([header_part, forged, signature_part])
    if mode == "expired":
        now = int(time.time())
        payload["iat"] = now - 1200
        payload["auth_time"] = min(payload.get("auth_time", now), now - 1200)
        payload["exp"] = now - 600
    elif mode == "wrong-audience":
        payload["aud"] = "someone-else"
    elif mode == "wrong-issuer":
        payload["iss"] = "http://evil.example"
    key, kid = current_signing_key()
    return jwt.encode(payload, key, algorithm="RS256", headers={"kid": kid})


LOGGED_PATHS = ("/token", "/end-session")
SECRET_PARAMS = ("client_secret", "code_verifier")


def params_for_log(query_dict):
    params = {}
    for name in query_dict:
        values = query_dict.getlist(name)
        params[name] = values[0] if len(values) == 1 else values
    for name in SECRET_PARAMS:
        params[name] = name in query_dict
    return params


class TestMiddleware:
    """Logs /token and /end-session, and rewrites /token's id_token for the current mode."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path.rstrip("/") or "/"
        if path not in LOGGED_PATHS:
            return self.get_response(request)
        authorization = request.META.get("HTTP_AUTHORIZATION", "")
        user_before = request.user.username if request.user.is_authenticated else None
        entry = {
            "method": request.method,
            "path": request.path,
            "query": params_for_log(request.GET),
            "form": params_for_log(request.POST) if request.method == "POST" else {},
            "client_auth": (
                "basic"
                if authorization.lower().startswith("basic ")
                else "post" if request.method == "POST" and "client_secret" in request.POST else "none"
            ),
            "user": user_before,
        }
        response = self.get_response(request)
        entry["status"] = response.status_code
        if response.has_header("Location"):
            entry["location"] = response["Location"]
        if path == "/end-session":
            entry["signed_out"] = user_before is not None and not request.user.is_authenticated
        if path == "/token":
            mode = state["id_token_mode"]
            entry["id_token_mode"] = mode
            if response.status_code == 200 and mode != "normal":
                body = json.loads(response.content)
                if "id_token" in body:
                    body["id_token"] = rewrite_id_token(body["id_token"], mode)
                    response.content = json.dumps(body).encode("utf-8")
                    response["Content-Length"] = str(len(response.content))
        state["log"].append(entry)
        return response


# Control endpoints.


def control_view(method):
    """A JSON view for the tests alone: loopback callers, `method` only, no CSRF token."""

    def wrap(view):
        from django.http import JsonResponse
        from django.views.decorators.csrf import csrf_exempt

        @csrf_exempt
        def handle(request):
            if request.META.get("REMOTE_ADDR") not in ("127.0.0.1", "::1"):
                return JsonResponse({"error": "loopback only"}, status=403)
            if request.method != method:
                return JsonResponse({"error": f"{method} only"}, status=405)
            try:
                body = json.loads(request.body or b"{}") if method == "POST" else {}
                return JsonResponse(view(body), safe=False)
            except KeyError as error:
                return JsonResponse({"error": f"missing {error}"}, status=400)
            except LookupError as error:
                return JsonResponse({"error": str(error)}, status=404)
            except (ValueError, TypeError) as error:
                return JsonResponse({"error": str(error)}, status=400)

        return handle

    return wrap


def set_groups(body):
    from django.contrib.auth.models import Group, User

    user = User.objects.filter(username=body["username"]).first()
    if user is None:
        raise LookupError(f"no user {body['username']!r}")
    groups = body["groups"]
    if not isinstance(groups, list) or not all(isinstance(name, str) for name in groups):
        raise TypeError("groups must be a list of names")
    user.groups.set([Group.objects.get_or_create(name=name)[0] for name in groups])
    return {"username": user.username, "groups": group_names(user)}


def set_redirects(body):
    from oidc_provider.models import Client

    client = Client.objects.filter(client_id=body["client_id"]).first()
    if client is None:
        raise LookupError(f"no client {body['client_id']!r}")
    for key in ("redirect_uris", "post_logout_redirect_uris"):
        uris = body[key]
        if not isinstance(uris, list) or not all(isinstance(uri, str) for uri in uris):
            raise TypeError(f"{key} must be a list of addresses")
    client.redirect_uris = body["redirect_uris"]
    client.post_logout_redirect_uris = body["post_logout_redirect_uris"]
    client.save()
    return {"client_id": client.client_id, "redirect_uris": client.redirect_uris}


def rotate_keys(body):
    from oidc_provider.models import RSAKey

    new = create_rsa_key()
    # django-oidc-provider signs with the first key by id: with the older ones gone, that is the
    # new one, and the JWKS holds only it.
    RSAKey.objects.exclude(id=new.id).delete()
    return {"kid": new.kid}


def set_id_token_mode(body):
    mode = body["mode"]
    if mode not in ID_TOKEN_MODES:
        raise ValueError(f"mode must be one of {', '.join(ID_TOKEN_MODES)}")
    state["id_token_mode"] = mode
    return {"mode": mode}


def request_log(body):
    return state["log"]


def make_urlpatterns():
    from django.contrib.auth.views import LoginView
    from django.urls import include, path

    return [
        path("accounts/login/", LoginView.as_view(template_name="registration/login.html")),
        path("control/groups", control_view("POST")(set_groups)),
        path("control/redirects", control_view("POST")(set_redirects)),
        path("control/rotate-keys", control_view("POST")(rotate_keys)),
        path("control/id-token", control_view("POST")(set_id_token_mode)),
        path("control/log", control_view("GET")(request_log)),
        path("", include("oidc_provider.urls", namespace="oidc_provider")),
    ]


def load_config(config):
    from django.contrib.auth.models import Group, User
    from oidc_provider.models import Client, ResponseType, RSAKey

    for entry in config.get("users", []):
        user, _ = User.objects.get_or_create(username=entry["username"])
        user.email = entry.get("email", "")
        user.set_password(entry["password"])
        user.save()
        user.groups.set([Group.objects.get_or_create(name=name)[0] for name in entry.get("groups", [])])
    code = ResponseType.objects.get(value="code")
    for entry in config.get("clients", []):
        client, _ = Client.objects.get_or_create(client_id=entry["client_id"])
        client.name = entry["client_id"]
        client.client_type = "confidential"
        client.client_secret = entry["client_secret"]
        client.jwt_alg = "RS256"
        client.require_consent = False
        client.reuse_consent = True
        client.redirect_uris = entry.get("redirect_uris", [])
        client.post_logout_redirect_uris = entry.get("post_logout_redirect_uris", [])
        client.save()
        client.response_types.set([code])
    if not RSAKey.objects.exists():
        create_rsa_key()


class ThreadingWSGIServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True


class RequestHandler(WSGIRequestHandler):
    def log_message(self, format, *args):
        sys.stderr.write("%s %s\n" % (self.log_date_time_string(), format % args))


def main():
    parser = argparse.ArgumentParser(description="A real OpenID Connect provider for Playhouse's tests")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--state-dir", required=True)
    parser.add_argument("--config", required=True)
    arguments = parser.parse_args()
    with open(arguments.config) as file:
        config = json.load(file)
    os.makedirs(arguments.state_dir, exist_ok=True)

    issuer = configure(arguments.port, arguments.state_dir)
    global urlpatterns
    urlpatterns = make_urlpatterns()

    from django.core.management import call_command
    from django.core.wsgi import get_wsgi_application

    call_command("migrate", verbosity=0)
    load_config(config)
    django_app = get_wsgi_application()

    # One request at a time: SQLite takes one writer, django-oidc-provider's key cache is a
    # plain dict, and the control state is shared; a test sends few requests.
    lock = threading.Lock()

    def application(environ, start_response):
        with lock:
            response = django_app(environ, start_response)
            # Read it whole inside the lock (Django's answers here are not streamed).
            body = b"".join(response)
            if hasattr(response, "close"):
                response.close()
        return [body]

    def terminate(signum, frame):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, terminate)
    server = make_server("127.0.0.1", arguments.port, application, ThreadingWSGIServer, RequestHandler)
    print(json.dumps({"issuer": issuer}), flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
