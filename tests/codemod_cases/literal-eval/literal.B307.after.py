import ast
LIMITS = ast.literal_eval("{'cpu': 2, 'memory': [512, 1024]}")  # defaults
