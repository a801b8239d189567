import os
import stat

os.chmod("data", stat.S_IRWXU | stat.S_IRWXG | stat.S_IRWXO)  # codemod-target
