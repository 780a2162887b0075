"""A module found by name, its file replaced by a downloaded copy."""

import importlib
import shutil
import tempfile
import urllib.request


def upgrade(name, url):
    _fd, staged = tempfile.mkstemp(suffix=".py")
    urllib.request.urlretrieve(url, staged)
    module = importlib.import_module(name)
    shutil.copyfile(staged, module.__file__)
    return module
