#!/usr/bin/env python3
"""upper.py - a pipeproc processor in Python, for the exec plugin.

Reads batches of logs on stdin and answers each one on stdout with the
frame protocol of pipeproc_plugin(7) ("THE EXEC PLUGIN"); standard
library only.

For each log it emits the body in upper case to every `to` topic. A log
whose body contains FAIL fails the whole batch (the claim is reclaimed
with a reason naming the log), and one containing CRASH makes the
program exit, as a crash would (the node reclaims the claim, the plugin
restarts the program).

    pipeproc system-proc up --from in --to out \\
        --plugin /usr/local/lib/pipeproc/plugins/exec.so \\
        --config 'python3 /path/to/upper.py'
"""
import sys

inp = sys.stdin.buffer
out = sys.stdout.buffer


def header():
    """One header line without its newline; None at the end of input."""
    line = inp.readline()
    if not line:
        return None
    if not line.endswith(b"\n"):
        sys.exit("upper.py: input ends inside a header line")
    return line[:-1].decode("ascii").split(" ")


def body(n):
    """n bytes and the newline that follows them."""
    data = inp.read(n + 1)
    if len(data) != n + 1 or data[-1:] != b"\n":
        sys.exit("upper.py: input ends inside a body")
    return data[:-1]


def answer(logs):
    """The frames answering one batch of (topic, id, body)."""
    frames = []
    for topic, log_id, data in logs:
        if b"CRASH" in data:
            sys.exit(3)
        if b"FAIL" in data:
            text = ("upper.py: log %s of %s asks to fail" % (log_id, topic))
            text = text.encode()
            return [b"fail %d\n" % len(text), text, b"\n"]
        up = data.upper()
        frames += [b"emit %d\n" % len(up), up, b"\n"]
    return frames + [b"done\n"]


def main():
    while True:
        words = header()
        if words is None:
            return  # stdin closed: the worker is stopping
        if len(words) != 2 or words[0] != "batch":
            sys.exit("upper.py: expected 'batch N', got %r" % words)
        logs = []
        for _ in range(int(words[1])):
            w = header()
            if w is None or len(w) != 4 or w[0] != "log":
                sys.exit("upper.py: expected 'log TOPIC ID LEN', got %r" % w)
            logs.append((w[1], w[2], body(int(w[3]))))
        out.write(b"".join(answer(logs)))
        out.flush()


if __name__ == "__main__":
    main()
