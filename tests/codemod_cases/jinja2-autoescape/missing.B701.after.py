from jinja2 import Environment, FileSystemLoader
from jinja2 import select_autoescape


def render(name, **context):
    env = Environment(loader=FileSystemLoader("templates"), autoescape=select_autoescape())  # site templates
    return env.get_template(name).render(**context)
