# Playhouse event callback: one JSON line per Ansible callback event, written to the
# named pipe whose path is in PLAYHOUSE_EVENTS_PATH. Playhouse enables it per run
# (ANSIBLE_CALLBACKS_ENABLED); it never touches stdout, which stays Ansible's own log.
from __future__ import annotations

DOCUMENTATION = """
    name: playhouse
    type: notification
    short_description: stream structured events to Playhouse
    description:
      - Writes one JSON object per callback event to the named pipe in PLAYHOUSE_EVENTS_PATH.
    requirements:
      - enabled by Playhouse for its own runs
"""

import errno
import json
import os
import sys
import threading
import time

from ansible.plugins.callback import CallbackBase

# Large module results (a huge stdout, a slurped file) are cut so one event never
# dominates the store or a browser tab. The worker hides the beginning of a secret left
# at a cut, recognising the cut by the mark (SecretMask.cutMark): keep the two alike.
MAX_STRING = 16 * 1024
MAX_ITEMS = 500


def _trim(value, depth=0):
    if depth > 12:
        return "…"
    if isinstance(value, str):
        return value if len(value) <= MAX_STRING else value[:MAX_STRING] + "… [truncated]"
    if isinstance(value, dict):
        out = {}
        for index, (key, item) in enumerate(value.items()):
            if index >= MAX_ITEMS:
                out["…"] = "truncated"
                break
            key = str(key)
            if key.startswith("_ansible_"):
                continue
            out[key] = _trim(item, depth + 1)
        return out
    if isinstance(value, (list, tuple, set)):
        items = list(value)
        trimmed = [_trim(item, depth + 1) for item in items[:MAX_ITEMS]]
        if len(items) > MAX_ITEMS:
            trimmed.append("… truncated")
        return trimmed
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return str(value)


def _count_tasks(blocks):
    total = 0
    for block in blocks:
        for section in ("block", "rescue", "always"):
            for item in getattr(block, section, None) or []:
                if hasattr(item, "block"):
                    total += _count_tasks([item])
                elif getattr(item, "action", None) != "meta":
                    total += 1
    return total


def _play_task_count(play):
    try:
        return _count_tasks(play.compile())
    except Exception:
        return None


def _result_handler(event_type, failed=None):
    """An Ansible hook that reports its task result as the event `event_type`."""

    def handler(self, result):
        self._result(event_type, result, failed=failed)

    return handler


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "notification"
    CALLBACK_NAME = "playhouse"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._lock = threading.Lock()
        self._fd = None
        self._play = None
        self._task = None
        path = os.environ.get("PLAYHOUSE_EVENTS_PATH")
        if path:
            # Non-blocking, so that a pipe nobody reads (the worker that started this run
            # died before Ansible got here) ends the run at once instead of leaving it
            # waiting forever; then blocking again, so a busy reader slows Ansible down.
            try:
                self._fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
            except OSError as error:
                if error.errno != errno.ENXIO:
                    raise
                sys.stderr.write("[ERROR]: Playhouse is no longer reading this run's events; stopping the run\n")
                sys.stderr.flush()
                os._exit(3)
            os.set_blocking(self._fd, True)

    def _emit(self, event_type, host=None, changed=None, failed=None, message=None, data=None, task=None):
        if self._fd is None:
            return
        event = {
            "type": event_type,
            "time": time.time(),
            "play": self._play,
            "task": task if task is not None else self._task,
            "host": host,
            "changed": changed,
            "failed": failed,
            "message": message,
            "data": _trim(data) if data is not None else None,
        }
        line = (json.dumps(event, default=str, ensure_ascii=False) + "\n").encode("utf-8", "replace")
        with self._lock:
            view = memoryview(line)
            while view:
                written = os.write(self._fd, view)
                view = view[written:]

    # Playbook and play structure

    def v2_playbook_on_start(self, playbook):
        total = 0
        known = True
        try:
            for play in playbook.get_plays():
                count = _play_task_count(play)
                if count is None:
                    known = False
                else:
                    total += count
        except Exception:
            known = False
        data = {"playbook": os.path.basename(getattr(playbook, "_file_name", "") or "")}
        if known:
            data["tasks_total"] = total
        self._emit("playbook_on_start", data=data)

    def v2_playbook_on_play_start(self, play):
        self._play = play.get_name().strip()
        self._task = None
        self._emit("playbook_on_play_start", data={"hosts": _trim(play.hosts), "tasks_total": _play_task_count(play)})

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._task = task.get_name().strip()
        self._emit("playbook_on_task_start", data={"action": task.action, "uuid": task._uuid})

    def v2_playbook_on_handler_task_start(self, task):
        self._task = task.get_name().strip()
        self._emit("playbook_on_handler_task_start", data={"action": task.action, "uuid": task._uuid})

    def v2_playbook_on_no_hosts_matched(self):
        self._emit("playbook_on_no_hosts_matched", message="no hosts matched")

    def v2_playbook_on_no_hosts_remaining(self):
        self._emit("playbook_on_no_hosts_remaining", message="no hosts remaining")

    def v2_playbook_on_notify(self, handler, host):
        self._emit("playbook_on_notify", host=host.get_name(), data={"handler": handler.get_name()})

    def v2_playbook_on_include(self, included_file):
        hosts = [host.get_name() for host in included_file._hosts]
        self._emit("playbook_on_include", data={"file": included_file._filename, "hosts": hosts})

    def v2_playbook_on_stats(self, stats):
        recap = {}
        for host in sorted(stats.processed.keys()):
            summary = stats.summarize(host)
            recap[host] = {
                "ok": summary.get("ok", 0),
                "changed": summary.get("changed", 0),
                "failed": summary.get("failures", 0),
                "unreachable": summary.get("unreachable", 0),
                "skipped": summary.get("skipped", 0),
                "rescued": summary.get("rescued", 0),
                "ignored": summary.get("ignored", 0),
            }
        # set_stats data for all hosts (per_host: false, the default) is what a workflow
        # hands to the nodes after this one.
        artifacts = (getattr(stats, "custom", None) or {}).get("_run") or {}
        self._emit("playbook_on_stats", task=None, data={"hosts": recap, "artifacts": _trim(artifacts)})

    # Per-host results

    def _result(self, event_type, result, failed=None, ignore_errors=None):
        # ansible-core 2.19 hands a CallbackTaskResult (result, host, task); older ones a
        # TaskResult with the same parts private (_result, _host, _task). A project's own
        # environment may pin either.
        res = getattr(result, "result", None)
        if res is None:
            res = result._result
        host = getattr(result, "host", None) or result._host
        task = getattr(result, "task", None) or result._task
        data = dict(res)
        if ignore_errors:
            data["ignore_errors"] = True
        message = res.get("msg")
        if message is None and failed:
            message = res.get("stderr") or res.get("module_stderr") or res.get("exception")
        if message is not None:
            message = str(message).strip().splitlines()[0] if str(message).strip() else None
        self._emit(
            event_type,
            host=host.get_name(),
            changed=bool(res.get("changed", False)),
            failed=failed,
            message=message,
            data=data,
            task=task.get_name().strip(),
        )

    def v2_runner_on_start(self, host, task):
        self._emit("runner_on_start", host=host.get_name(), task=task.get_name().strip())

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._result("runner_on_failed", result, failed=True, ignore_errors=ignore_errors)

    # The other result hooks differ only in the event they write and whether it failed.
    v2_runner_on_ok = _result_handler("runner_on_ok", failed=False)
    v2_runner_on_skipped = _result_handler("runner_on_skipped", failed=False)
    v2_runner_on_unreachable = _result_handler("runner_on_unreachable", failed=True)
    v2_runner_item_on_ok = _result_handler("runner_item_on_ok", failed=False)
    v2_runner_item_on_failed = _result_handler("runner_item_on_failed", failed=True)
    v2_runner_item_on_skipped = _result_handler("runner_item_on_skipped", failed=False)
    v2_runner_retry = _result_handler("runner_retry", failed=False)
    v2_runner_on_async_ok = _result_handler("runner_on_async_ok", failed=False)
    v2_runner_on_async_failed = _result_handler("runner_on_async_failed", failed=True)
    v2_on_file_diff = _result_handler("on_file_diff")
