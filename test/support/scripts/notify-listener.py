# A stand-in for systemd's notification socket in tests: binds a Unix datagram socket and prints
# every message it receives, one per line, until no message came for the given seconds.
import socket, sys, os
path = sys.argv[1]
try: os.unlink(path)
except FileNotFoundError: pass
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
s.settimeout(float(sys.argv[2]))
try:
    while True:
        data = s.recv(4096)
        print(data.decode().replace('\n', ' '), flush=True)
except socket.timeout:
    pass
