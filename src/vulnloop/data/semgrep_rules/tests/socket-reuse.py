# Positive and negative cases for the rule file of the same name (semgrep --test format).
# Written from the standard library's API, not taken from any dataset.
import asyncio
import socket
import socketserver


def listen_shared(port):
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    # ruleid: vulnloop.socket-reuse-port
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    server.bind(("0.0.0.0", port))
    server.listen()
    return server


def listen_udp(port):
    server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    # ruleid: vulnloop.socket-reuse-address
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # ok: vulnloop.socket-reuse-port
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 0)
    server.bind(("0.0.0.0", port))
    return server


def listen_tcp(port):
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    # ok: vulnloop.socket-reuse-address
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", port))
    return server


def configure(server):
    # ruleid: vulnloop.socket-reuse-address
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, True)
    # ok: vulnloop.socket-reuse-address
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 0)


async def serve(handler, port):
    # ruleid: vulnloop.socket-reuse-port
    return await asyncio.start_server(handler, "0.0.0.0", port, reuse_port=True)


async def serve_alone(handler, port):
    # ok: vulnloop.socket-reuse-port
    return await asyncio.start_server(handler, "0.0.0.0", port)


class SharedUDPServer(socketserver.UDPServer):
    # ruleid: vulnloop.socket-reuse-address
    allow_reuse_address = True
    # ruleid: vulnloop.socket-reuse-port
    allow_reuse_port = True


class PlainTCPServer(socketserver.TCPServer):
    # ok: vulnloop.socket-reuse-address
    allow_reuse_address = True
