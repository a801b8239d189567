import jinja2

env = jinja2.Environment(
    loader=jinja2.PackageLoader("app"),
    autoescape=jinja2.select_autoescape(),
)
