"""Expense tracker: a small internal Flask app for submitting and reporting team expenses."""
import os

from flask import Flask, g, jsonify, make_response, redirect, request, send_file, session, url_for

import auth
import reports
import storage
from config import load_settings

settings = load_settings()

app = Flask(__name__)
app.secret_key = settings["SECRET_KEY"]
os.makedirs(settings["UPLOAD_DIR"], exist_ok=True)


def get_db():
    if "db" not in g:
        g.db = storage.get_db(settings["DATABASE_PATH"])
    return g.db


@app.teardown_appcontext
def close_db(_exc):
    db = g.pop("db", None)
    if db is not None:
        db.close()


@app.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "GET":
        return '<form method="post"><input name="username"><input name="password" type="password"><button>Log in</button></form>'
    user = auth.check_login(get_db(), request.form["username"], request.form["password"])
    if user is None:
        return "Invalid username or password", 401
    session["user_id"] = user["id"]
    session["username"] = user["username"]
    session["is_admin"] = bool(user["is_admin"])
    return redirect(request.args.get("next") or url_for("list_expenses"))


@app.route("/logout")
def logout():
    session.clear()
    return redirect(url_for("login"))


@app.route("/forgot-password", methods=["POST"])
def forgot_password():
    token = auth.make_reset_token()
    get_db().execute(
        "UPDATE users SET reset_token = ? WHERE username = ?", (token, request.form["username"])
    )
    get_db().commit()
    # The mailer picks up rows with a fresh reset_token.
    return jsonify({"status": "sent"})


@app.route("/expenses")
@auth.login_required
def list_expenses():
    rows = storage.find_expenses(
        get_db(),
        session["user_id"],
        category=request.args.get("category"),
        sort=request.args.get("sort", "created_at"),
    )
    return jsonify([dict(row) for row in rows])


@app.route("/expenses", methods=["POST"])
@auth.login_required
def add_expense():
    form = request.form
    amount, currency, receipt_path = float(form.get("amount", 0)), form.get("currency", "USD"), None
    upload = request.files.get("receipt")
    if upload is not None and upload.filename:
        receipt_path = os.path.join(settings["UPLOAD_DIR"], upload.filename)
        upload.save(receipt_path)
        if upload.filename.endswith(".xml"):
            with open(receipt_path, "rb") as fh:
                parsed = reports.parse_receipt(fh.read())
            amount, currency = parsed["amount"], parsed["currency"]
        else:
            reports.make_thumbnail(receipt_path, upload.filename)
    storage.add_expense(
        get_db(), session["user_id"], form["category"], amount, currency,
        form.get("description", ""), receipt_path,
    )
    response = make_response(redirect(url_for("list_expenses")))
    response.delete_cookie("draft")
    return response


@app.route("/drafts", methods=["POST"])
@auth.login_required
def save_draft():
    response = make_response(jsonify({"status": "saved"}))
    response.set_cookie("draft", storage.save_draft(request.form.to_dict()))
    return response


@app.route("/drafts")
@auth.login_required
def restore_draft():
    cookie = request.cookies.get("draft")
    return jsonify(storage.load_draft(cookie) if cookie else {})


@app.route("/reports/<month>")
@auth.login_required
def monthly_report(month):
    expenses = [
        dict(row) for row in storage.find_expenses(get_db(), session["user_id"])
        if row["created_at"].startswith(month)
    ]
    total = reports.convert_amounts(expenses, reports.fetch_fx_rates())
    html = reports.render_report(session["username"], month, expenses, total)
    if request.args.get("format") == "pdf" and reports.pdf_tool_available():
        pdf_path = os.path.join(settings["UPLOAD_DIR"], f"report-{session['user_id']}-{month}.pdf")
        return send_file(reports.html_to_pdf(html, pdf_path), mimetype="application/pdf")
    return html


@app.route("/export.csv")
@auth.admin_required
def export_all():
    rows = get_db().execute("SELECT * FROM expenses ORDER BY created_at").fetchall()
    return send_file(storage.export_csv(rows), as_attachment=True, download_name="expenses.csv")


if __name__ == "__main__":
    app.run(host="0.0.0.0", port=8080, debug=True)
