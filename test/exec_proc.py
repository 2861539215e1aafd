#!/usr/bin/env python3
"""exec_proc.py - the child program of the exec plugin tests
(test/exec_*_test.c): speaks the frame protocol of pipeproc_plugin(7)
and misbehaves on request, once per case.

    python3 exec_proc.py DIR [TOPIC]

DIR is the case's directory: every start appends the child's pid to
DIR/pids, every exit at EOF on stdin to DIR/eofs, and the one-time faults leave a marker file there so that the
restarted child behaves. By default each log is passed through unchanged
(emit); with TOPIC, each also gives "len=N" to TOPIC (emit_to). A body
containing one of these words changes that:

    FAIL       the batch fails: "exec_proc: log ID says FAIL"
    BADTOPIC   emit_to a topic that is not a `to` topic
    ENV        emits "exec=$PIPEPROC_EXEC sys=$PIPEPROC_SYSTEM_PROC"
    CRASH1     the first time: exit with status 3 in the middle
    GARBLE1    the first time: a frame whose length is wrong
    HANG1      the first time: stop answering (DIR/hung holds our pid)

EXEC_PROC_SLEEP_MS=N sleeps N ms before each answer. EXEC_PROC_STREAM=1
writes each log's output as soon as the log is read, before the rest of
the batch (only the pass-through is supported then).
"""
import os
import sys
import time

inp = sys.stdin.buffer
out = sys.stdout.buffer
case_dir = sys.argv[1]
extra_topic = sys.argv[2] if len(sys.argv) > 2 else None
sleep_ms = int(os.environ.get("EXEC_PROC_SLEEP_MS", "0"))
is_stream = os.environ.get("EXEC_PROC_STREAM") == "1"


def once(name):
    """True the first time name is asked for in this case."""
    try:
        fd = os.open(os.path.join(case_dir, name),
                     os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        return False
    os.write(fd, b"%d\n" % os.getpid())
    os.close(fd)
    return True


def frame(head, body):
    return [head.encode() + b" %d\n" % len(body), body, b"\n"]


def answer(logs):
    frames = []
    for log_id, data in logs:
        if b"CRASH1" in data and once("crashed"):
            out.write(b"".join(frames))  # half an answer, then die
            out.flush()
            os._exit(3)
        if b"GARBLE1" in data and once("garbled"):
            return frames + [b"emit 2\nabc\n"]
        if b"HANG1" in data and once("hung"):
            time.sleep(3600)
        if b"FAIL" in data:
            # A newline, bytes that are not UTF-8, and some that are.
            return frame("fail", b"exec_proc: log %s says FAIL\n\xff\xc3\xa9"
                         % log_id)
        if b"BADTOPIC" in data:
            frames += frame("emit_to nope", data)
            continue
        if b"ENV" in data:
            frames += frame("emit", b"exec=%s sys=%s" % (
                os.environ.get("PIPEPROC_EXEC", "-").encode(),
                os.environ.get("PIPEPROC_SYSTEM_PROC", "-").encode()))
            continue
        frames += frame("emit", data)
        if extra_topic:
            frames += frame("emit_to " + extra_topic, b"len=%d" % len(data))
    return frames + [b"done\n"]


def main():
    with open(os.path.join(case_dir, "pids"), "a") as f:
        f.write("%d\n" % os.getpid())
    while True:
        line = inp.readline()
        if not line:
            # EOF: the plugin stops us (DIR/eofs tells the tests so).
            with open(os.path.join(case_dir, "eofs"), "a") as f:
                f.write("%d\n" % os.getpid())
            return
        n = int(line.split()[1])
        logs = []
        for _ in range(n):
            _, _, log_id, size = inp.readline().split()
            data = inp.read(int(size) + 1)[:-1]
            if is_stream:
                out.write(b"".join(frame("emit", data)))
                out.flush()
                continue
            logs.append((log_id, data))
        if sleep_ms:
            time.sleep(sleep_ms / 1000.0)
        out.write(b"".join(answer(logs)))
        out.flush()


try:
    main()
except BrokenPipeError:
    os._exit(1)  # the worker is gone: so are we, quietly
