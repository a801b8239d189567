import os
from http.server import HTTPServer, SimpleHTTPRequestHandler

LISTEN_HOST = os.environ.get("CASE_HOST", "127.0.0.1")
PORT = 8000

HTTPServer((LISTEN_HOST, PORT), SimpleHTTPRequestHandler).serve_forever()
