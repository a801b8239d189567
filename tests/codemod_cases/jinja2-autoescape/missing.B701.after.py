from jinja2 import Environment, FileSystemLoader


def render(name, **context):
    env = Environment(loader=FileSystemLoader("templates"), autoescape=True)  # site templates
    return env.get_template(name).render(**context)
