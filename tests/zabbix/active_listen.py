#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
# active_listen.py PORT SECONDS: stands where a Zabbix server's trapper
# would (127.0.0.1:PORT) for at most SECONDS, takes one ZBXD request,
# prints its JSON body, answers "success" with no items, and exits 0;
# exits 1 when nobody came. Prints "listening" once it listens.
import json
import socket
import struct
import sys
import zlib

port, secs = int(sys.argv[1]), float(sys.argv[2])
srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", port))
srv.listen(4)
srv.settimeout(secs)
print("listening", flush=True)
try:
    c, _ = srv.accept()
except socket.timeout:
    print("no connection", flush=True)
    sys.exit(1)
c.settimeout(5)
data = b""
while len(data) < 13 or len(data) < 13 + struct.unpack("<I", data[5:9])[0]:
    d = c.recv(65536)
    if not d:
        break
    data += d
flags, n = data[4], struct.unpack("<I", data[5:9])[0]
body = data[13:13 + n]
if flags & 0x02:
    body = zlib.decompress(body)
print(body.decode("utf-8", "replace"), flush=True)
reply = json.dumps({"response": "success", "data": []}).encode()
c.sendall(b"ZBXD\x01" + struct.pack("<II", len(reply), 0) + reply)
c.close()
