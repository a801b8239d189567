# Positive and negative cases for the rule file of the same name (semgrep --test format).
# Written from the standard library's API, not taken from any dataset.
import asyncio
import json
import socket
import socketserver

RECORDS = {"a": [b"1.2.3.4", b"5.6.7.8"]}
PEERS = {("10.0.0.2", 5000)}


def relay(port):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("0.0.0.0", port))
    while True:
        data, sender = sock.recvfrom(4096)
        request = json.loads(data)
        # ruleid: vulnloop.datagram-destination-from-payload
        sock.sendto(b"pong", (request["host"], request["port"]))
        # ok: vulnloop.datagram-destination-from-payload
        sock.sendto(b"pong", sender)
        target = (request["host"], request["port"])
        if target in PEERS:
            # ok: vulnloop.datagram-destination-from-payload
            sock.sendto(b"forwarded", target)


def answer(port):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("0.0.0.0", port))
    while True:
        query, client = sock.recvfrom(512)
        for record in RECORDS.get(query.decode(), []):
            # ruleid: vulnloop.datagram-reply-amplification
            sock.sendto(record, client)
        # ok: vulnloop.datagram-reply-amplification
        sock.sendto(b"done", client)


class EchoProtocol(asyncio.DatagramProtocol):
    def connection_made(self, transport):
        self.transport = transport

    def datagram_received(self, data, addr):
        # ok: vulnloop.datagram-reply-amplification
        self.transport.sendto(data, addr)
        host, _, port = data.decode().partition(":")
        # ruleid: vulnloop.datagram-destination-from-payload
        self.transport.sendto(b"hello", (host, int(port)))


class ListHandler(socketserver.BaseRequestHandler):
    def handle(self):
        payload, sock = self.request
        for line in RECORDS.get(payload.decode(), []):
            # ruleid: vulnloop.datagram-reply-amplification
            sock.sendto(line, self.client_address)
