import os
from http.server import HTTPServer, SimpleHTTPRequestHandler

LISTEN_HOST = "0.0.0.0"
PORT = 8000

HTTPServer((LISTEN_HOST, PORT), SimpleHTTPRequestHandler).serve_forever()
