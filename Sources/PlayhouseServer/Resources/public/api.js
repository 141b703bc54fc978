// The JSON API, and who is signed in.

// Who is signed in ({name, role, teams, csrf_token}), from /api/v1/me; null on /login.
// Modules that import it see each new value (an ES module export is a live binding).
export let session = null;

export function setSession(value) {
  session = value;
}

// Calls the JSON API; a non-2xx answer becomes an Error carrying the API's error and detail.
// State-changing calls carry the session's CSRF token. A 401 means the session is gone:
// back to the sign-in page, and here again afterwards.
//
// `body` is sent as JSON. `signal` is the calling page's (see router.js): once the page is
// left the request is aborted and the promise never settles, so no code of the left page
// runs on its answer and nothing it fetched can land on the next page.
export function api(method, path, { body, signal } = {}) {
  return whileOpen(call(method, path, body, signal), signal);
}

// A page's text (a job's log): the text of a 2xx answer, else an Error; `signal` as for api.
export function apiText(path, signal) {
  return whileOpen(fetch(path, { signal }).then((response) => {
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    return response.text();
  }), signal);
}

async function call(method, path, body, signal) {
  const init = { method, headers: { Accept: "application/json" }, signal };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  if (method !== "GET" && session && session.csrf_token) init.headers["X-CSRF-Token"] = session.csrf_token;
  const response = await fetch(path, init);
  if (response.status === 401 && !location.pathname.startsWith("/login")) {
    location.assign(`/login?next=${encodeURIComponent(location.pathname)}`);
  }
  const text = await response.text();
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch { data = { error: text.slice(0, 300) }; }
  }
  if (!response.ok) {
    const error = new Error((data && data.error) || `HTTP ${response.status}`);
    error.status = response.status;
    error.detail = (data && data.detail) || "";
    throw error;
  }
  return data;
}

// Settles as `promise` does while the page is open, and never once it was left.
function whileOpen(promise, signal) {
  if (!signal) return promise;
  return new Promise((resolve, reject) => {
    promise.then(
      (value) => { if (!signal.aborted) resolve(value); },
      (error) => { if (!signal.aborted) reject(error); });
  });
}
