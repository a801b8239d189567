import jinja2


def environment(escape_html):
    return jinja2.Environment(autoescape=escape_html)
