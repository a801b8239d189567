import os

os.chmod("/usr/local/bin/helper", 0o4775)
