"""The yardstick: a bare Flask application with one route, served like Beatdesk."""
from flask import Flask

app = Flask(__name__)


@app.route("/hello")
def hello() -> str:
    return "hello"
