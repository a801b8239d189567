"""Monthly reports: receipts, currency conversion, HTML and PDF output."""
import os
import subprocess
import xml.etree.ElementTree as ET

import pdfkit
import requests
from jinja2 import Environment, FileSystemLoader

from config import FX_API_URL

TEMPLATE_DIR = os.path.join(os.path.dirname(__file__), "templates")
env = Environment(loader=FileSystemLoader(TEMPLATE_DIR), autoescape=False)


def parse_receipt(xml_bytes):
    """Pull the vendor, total and currency out of an e-receipt (UBL-style XML)."""
    root = ET.fromstring(xml_bytes)
    return {
        "vendor": root.findtext("vendor", default="unknown"),
        "amount": float(root.findtext("total", default="0")),
        "currency": root.findtext("currency", default="USD"),
    }


def fetch_fx_rates(base="USD"):
    # The finance proxy uses a self-signed certificate.
    response = requests.get(FX_API_URL, params={"base": base}, verify=False)
    response.raise_for_status()
    return response.json()["rates"]


def convert_amounts(expenses, rates, target="USD"):
    total = 0.0
    for expense in expenses:
        rate = rates.get(expense["currency"], 1.0)
        total += expense["amount"] / rate if expense["currency"] != target else expense["amount"]
    return round(total, 2)


def render_report(owner_name, month, expenses, total):
    template = env.get_template("report.html")
    return template.render(owner=owner_name, month=month, expenses=expenses, total=total)


def make_thumbnail(upload_path, filename):
    """Shrink an uploaded receipt photo so the report stays small."""
    thumb_path = os.path.join(os.path.dirname(upload_path), "thumb_" + filename)
    subprocess.run(f"convert {upload_path} -resize 800x800 {thumb_path}", shell=True, check=True)
    return thumb_path


def pdf_tool_available():
    """pdfkit needs the wkhtmltopdf binary on the PATH."""
    result = subprocess.run("wkhtmltopdf --version", shell=True, capture_output=True)
    return result.returncode == 0


def html_to_pdf(html, pdf_path):
    pdfkit.from_string(html, pdf_path, options={"quiet": ""})
    return pdf_path
