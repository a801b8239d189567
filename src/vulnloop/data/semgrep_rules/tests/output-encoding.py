# Positive and negative cases for the rule file of the same name (semgrep --test format).
# Written from the libraries' APIs, not taken from any dataset.
import csv
import html
import io
import re

import openpyxl
from flask import Flask, request

app = Flask(__name__)


def strip_scripts(text):
    # ruleid: vulnloop.html-filtering-regex
    return re.sub(r"<script.*?>.*?</script>", "", text, flags=re.IGNORECASE)


def strip_handlers(text):
    # ruleid: vulnloop.html-filtering-regex
    text = re.sub(r"\son\w+\s*=\s*\S+", "", text)
    # ruleid: vulnloop.html-filtering-regex
    return text.replace("javascript:", "")


def escape_comment(text):
    # ok: vulnloop.html-filtering-regex
    return html.escape(text)


def collapse_spaces(text):
    # ok: vulnloop.html-filtering-regex
    return re.sub(r"\s+", " ", text)


@app.route("/export")
def export():
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    # ruleid: vulnloop.csv-formula-injection
    writer.writerow([request.args["name"], request.args["comment"]])
    # ok: vulnloop.csv-formula-injection
    writer.writerow(["'" + request.args["name"]])
    # ok: vulnloop.csv-formula-injection
    writer.writerow([int(request.args["count"])])
    return buffer.getvalue()


@app.route("/sheet")
def sheet():
    workbook = openpyxl.Workbook()
    worksheet = workbook.active
    # ruleid: vulnloop.csv-formula-injection
    worksheet.append([request.form["title"]])
    names = []
    # ok: vulnloop.csv-formula-injection
    names.append(request.form["title"])
    workbook.save("/tmp/export.xlsx")
    return "ok"
