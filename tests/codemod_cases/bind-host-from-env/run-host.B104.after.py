from flask import Flask
import os

app = Flask(__name__)

if __name__ == "__main__":
    app.run(host=os.environ.get('CASE_HOST', '127.0.0.1'), port=8080)  # container
