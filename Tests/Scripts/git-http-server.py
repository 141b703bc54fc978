"""A git server over HTTP for the tests, as a forge serves repositories: Debian's
`git http-backend` (a CGI program) behind a small HTTP server on 127.0.0.1.

    python3 git-http-server.py PORT ROOT

Serves each repository under ROOT at http://127.0.0.1:PORT/NAME (ROOT/NAME a bare
repository or a working tree) for clones and fetches; pushes are refused, as
http-backend refuses them to anonymous clients. Each request is logged to standard error.

Python 3.13 has no `cgi` module, so the CGI is run by hand: one `git http-backend` per
request, the request in its environment and the body on its standard input, and its
CGI headers (a `Status:` among them) read back into the answer.
"""
import http.server
import os
import subprocess
import sys
import urllib.parse

PORT = int(sys.argv[1])
ROOT = sys.argv[2]
EXEC_PATH = subprocess.run(["git", "--exec-path"], capture_output=True, text=True, check=True).stdout.strip()
BACKEND = os.path.join(EXEC_PATH, "git-http-backend")


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.backend()

    def do_POST(self):
        self.backend()

    def request_body(self):
        """The body, whole: git sends a large one chunked, a small one with its length."""
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            data = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return data
                data += self.rfile.read(size)
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def backend(self):
        path, _, query = self.path.partition("?")
        body = self.request_body() if self.command == "POST" else b""
        environment = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "GIT_PROJECT_ROOT": ROOT,
            "GIT_HTTP_EXPORT_ALL": "1",
            "GATEWAY_INTERFACE": "CGI/1.1",
            "SERVER_PROTOCOL": self.request_version,
            "REQUEST_METHOD": self.command,
            "PATH_INFO": urllib.parse.unquote(path),
            "QUERY_STRING": query,
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            "CONTENT_LENGTH": str(len(body)),
            "REMOTE_ADDR": self.client_address[0],
        }
        # The other headers as CGI passes them: Git-Protocol (v2) and Content-Encoding
        # (a gzipped body) matter to http-backend.
        for name, value in self.headers.items():
            key = "HTTP_" + name.upper().replace("-", "_")
            if key not in ("HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"):
                environment[key] = value
        result = subprocess.run([BACKEND], input=body, env=environment, capture_output=True)
        if result.stderr:
            sys.stderr.write(result.stderr.decode(errors="replace"))
        head, body = split_head(result.stdout)
        status = 200
        headers = []
        for line in head.decode("latin-1").splitlines():
            name, _, value = line.partition(":")
            if name.lower() == "status":
                status = int(value.split()[0])
            elif name:
                headers.append((name, value.strip()))
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def split_head(output):
    """A CGI's output split at the blank line after its headers (CRLF or LF lines)."""
    for separator in (b"\r\n\r\n", b"\n\n"):
        index = output.find(separator)
        if index >= 0:
            return output[:index], output[index + len(separator):]
    return output, b""


if __name__ == "__main__":
    http.server.ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
