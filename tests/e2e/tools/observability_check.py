#!/usr/bin/env python3
"""Checks of rankflow's observability outputs, for tests/e2e/observability_test.cpp.

  observability_check.py profile FILE.json RANKS INPUT_ROWS   the Chrome trace's structure and sums
  observability_check.py png FILE.png                         a screenshot that is not blank

Prints what is wrong and exits 1, or exits 0.
"""
import json
import struct
import sys
import zlib


def fail(message):
    print(message)
    sys.exit(1)


def check_profile(path, ranks, input_rows):
    with open(path, encoding="utf-8") as handle:
        trace = json.load(handle)
    events = trace["traceEvents"]
    names = {e["pid"]: e["args"]["name"] for e in events if e.get("name") == "process_name"}
    if sorted(names) != list(range(ranks)):
        fail(f"process_name events for pids {sorted(names)}, expected 0..{ranks - 1}")
    for pid, name in names.items():
        if not name.startswith(f"rank {pid} ("):
            fail(f"process {pid} is named {name!r}")
    stages = {}
    required = ["rows_in", "rows_out", "bytes_read", "bytes_sent", "bytes_received",
                "bytes_spilled", "peak_rss"]
    for event in events:
        if event.get("ph") != "X":
            continue
        for key in required:
            if not isinstance(event["args"].get(key), int):
                fail(f"event {event['name']} of rank {event['pid']} has no integer {key}")
        if event["dur"] < 0 or event["ts"] < 0:
            fail(f"event {event['name']} has a negative time")
        if event["args"]["peak_rss"] <= 0:
            fail(f"event {event['name']} has no peak_rss")
        stages.setdefault(event["name"], []).append(event)
    if "read" not in stages:
        fail(f"no read stage among {sorted(stages)}")
    for name, per_rank in stages.items():
        if sorted(e["pid"] for e in per_rank) != list(range(ranks)):
            fail(f"stage {name} has events for ranks {[e['pid'] for e in per_rank]}")
        sent = sum(e["args"]["bytes_sent"] for e in per_rank)
        received = sum(e["args"]["bytes_received"] for e in per_rank)
        if sent != received:
            fail(f"stage {name}: {sent} bytes sent over ranks, {received} received")
        for e in per_rank:
            to_rank = e["args"]["bytes_to_rank"]
            if to_rank and len(to_rank) != ranks:
                fail(f"stage {name}: bytes_to_rank has {len(to_rank)} entries for {ranks} ranks")
    read_rows = sum(e["args"]["rows_out"] for e in stages["read"])
    if read_rows != input_rows:
        fail(f"the read stage gave {read_rows} rows over ranks; the input has {input_rows}")
    if ranks > 1 and not any(e["args"]["bytes_sent"] > 0 for s in stages.values() for e in s):
        fail("no stage exchanged any bytes")


def png_pixels(path):
    with open(path, "rb") as handle:
        data = handle.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        fail("not a PNG file")
    at, chunks, header = 8, b"", None
    while at < len(data):
        length, kind = struct.unpack(">I4s", data[at:at + 8])
        body = data[at + 8:at + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            chunks += body
        at += 12 + length
    width, height, depth, color = header[0], header[1], header[2], header[3]
    if depth != 8 or color not in (2, 6):
        fail(f"unexpected PNG format: depth {depth}, color type {color}")
    channels = 3 if color == 2 else 4
    raw = zlib.decompress(chunks)
    stride = width * channels
    rows, previous = [], bytearray(stride)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for x in range(stride):
            left = line[x - channels] if x >= channels else 0
            up = previous[x]
            corner = previous[x - channels] if x >= channels else 0
            if kind == 1:
                line[x] = (line[x] + left) & 255
            elif kind == 2:
                line[x] = (line[x] + up) & 255
            elif kind == 3:
                line[x] = (line[x] + (left + up) // 2) & 255
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                best = left if pa <= pb and pa <= pc else up if pb <= pc else corner
                line[x] = (line[x] + best) & 255
        rows.append(bytes(line))
        previous = line
    return width, height, channels, rows


def check_png(path):
    width, height, channels, rows = png_pixels(path)
    colors, dark = set(), 0
    for line in rows[::4]:
        for x in range(0, width * channels, channels * 4):
            pixel = line[x:x + 3]
            colors.add(pixel)
            if sum(pixel) < 300:
                dark += 1
    if len(colors) < 8 or dark < 50:
        fail(f"the screenshot looks blank: {len(colors)} colours, {dark} dark samples")


if __name__ == "__main__":
    if sys.argv[1] == "profile":
        check_profile(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    elif sys.argv[1] == "png":
        check_png(sys.argv[2])
    else:
        fail("usage: observability_check.py profile|png ...")
