"""Paho Python worker for the throughput scenario (roles publish and subscribe).

Speaks the line protocol of bench/e2e/protocol.ts: job as JSON in argv[1], JSON lines on
stdout, 'go'/'done' on stdin. Written as Paho users do: loop_start() runs the network
thread; the publisher keeps `window` publishes in flight with a semaphore released by
on_publish (queueing all of them in Paho instead makes each ack scan the whole queue).
"""
import json
import resource
import sys
import threading
import time

import paho.mqtt.client as mqtt

IDLE_S = 1.0


def send(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


class Commands:
    """Lines from the parent on stdin, read by a daemon thread."""

    def __init__(self):
        self.heard = {"go": threading.Event(), "done": threading.Event()}
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in sys.stdin:
            event = self.heard.get(line.strip())
            if event is not None:
                event.set()


def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime, r.ru_stime


def window_result(t0, cpu0, **extra):
    user, system = cpu()
    return dict(type="result", elapsedNs=time.monotonic_ns() - t0,
                cpuUserUs=round((user - cpu0[0]) * 1e6), cpuSystemUs=round((system - cpu0[1]) * 1e6),
                maxRssKb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, **extra)


def connect(job):
    client = mqtt.Client(client_id=job["clientId"], protocol=mqtt.MQTTv311, clean_session=True)
    connected = threading.Event()
    client.on_connect = lambda c, u, f, rc: connected.set()
    client.connect(job["host"], job["port"], keepalive=60)
    client.loop_start()
    if not connected.wait(10):
        raise RuntimeError("no CONNACK within 10 s")
    return client


def publish(client, job, commands):
    payload = bytes(0x61 + (i % 26) for i in range(job["size"]))
    slots = threading.Semaphore(job["window"])
    client.max_inflight_messages_set(job["window"])
    client.on_publish = lambda c, u, mid: slots.release()
    send({"type": "ready"})
    commands.heard["go"].wait()
    t0, cpu0 = time.monotonic_ns(), cpu()
    for _ in range(job["count"]):
        slots.acquire()
        client.publish(job["topic"], payload, qos=job["qos"])
    for _ in range(job["window"]):  # every ack is in once all slots are free again
        slots.acquire()
    send(window_result(t0, cpu0, count=job["count"]))


def subscribe(client, job, commands):
    state = {"count": 0, "first": 0, "last": 0}
    complete = threading.Event()
    subscribed = threading.Event()

    def on_message(c, u, msg):
        now = time.monotonic_ns()
        if state["count"] == 0:
            state["first"] = now
        state["count"] += 1
        state["last"] = now
        if state["count"] == job["expected"]:
            complete.set()

    client.on_message = on_message
    client.on_subscribe = lambda c, u, mid, granted: subscribed.set()
    client.subscribe(job["filter"], qos=job["qos"])
    subscribed.wait(10)
    send({"type": "ready"})
    commands.heard["go"].wait()
    t0, cpu0 = time.monotonic_ns(), cpu()
    while not complete.is_set() and not commands.heard["done"].is_set():
        complete.wait(0.05)
    seen = -1
    while not complete.is_set() and state["count"] != seen:
        seen = state["count"]
        complete.wait(IDLE_S)
    send(window_result(t0, cpu0, count=state["count"], firstNs=state["first"], lastNs=state["last"]))


def main():
    job = json.loads(sys.argv[1])
    commands = Commands()
    client = connect(job)
    try:
        if job["role"] == "publish":
            publish(client, job, commands)
        elif job["role"] == "subscribe":
            subscribe(client, job, commands)
        else:
            raise RuntimeError("paho worker: no role " + job["role"])
    finally:
        client.disconnect()
        client.loop_stop()


if __name__ == "__main__":
    try:
        main()
    except Exception as error:  # reported to the parent, which prints it
        send({"type": "error", "message": repr(error)})
        sys.exit(1)
