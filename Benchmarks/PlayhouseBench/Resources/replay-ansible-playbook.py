#!/usr/bin/env python3
# Stands in for ansible-playbook in the event pipeline benchmark, because one real
# ansible-playbook emits only about 130 events/s here. It writes a run recorded from a
# real ansible-playbook (JSON lines in BENCH_REPLAY, "@TIME@" where the callback's
# timestamp goes) to Playhouse's event pipe as fast as the pipe takes it: the first events
# up to the first task once, the task events BENCH_REPLAY_REPEAT times, then the
# recap. Every event is stamped with the time it is written, as the callback does.
# BENCH_REPLAY_RATE, when set, paces the writes to that many events per second.
import os
import sys
import time

with open(os.environ["BENCH_REPLAY"], "rb") as recording:
    lines = recording.read().splitlines(keepends=True)
repeat = int(os.environ.get("BENCH_REPLAY_REPEAT", "1"))
rate = float(os.environ.get("BENCH_REPLAY_RATE", "0"))
first_task = next(i for i, line in enumerate(lines) if b'"playbook_on_task_start"' in line)
head, body, tail = lines[:first_task], lines[first_task:-1], lines[-1:]

pipe = os.open(os.environ["PLAYHOUSE_EVENTS_PATH"], os.O_WRONLY)
placeholder = b'"@TIME@"'
written = 0
began = time.monotonic()


def send(batch):
    global written
    data = b"".join(line.replace(placeholder, repr(time.time()).encode()) for line in batch)
    view = memoryview(data)
    while view:
        view = view[os.write(pipe, view):]
    written += len(batch)
    if rate > 0:
        ahead = began + written / rate - time.monotonic()
        if ahead > 0:
            time.sleep(ahead)


send(head)
for _ in range(repeat):
    for start in range(0, len(body), 64):
        send(body[start:start + 64])
send(tail)
os.close(pipe)
print(f"PLAY RECAP: replayed {written} events", flush=True)
