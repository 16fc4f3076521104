/**
 * A local Python package that pip installs without any network: a PEP 517 in-tree build backend
 * that zips the package into a wheel (no setuptools or wheel needed from an index).
 */
const BACKEND = `
import base64, hashlib, os, zipfile

NAME = open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "name.txt")).read().strip()
VERSION = "1.0"

def _files():
    for root, _, names in os.walk(NAME):
        for name in names:
            if name.endswith(".py"):
                path = os.path.join(root, name)
                yield path.replace(os.sep, "/"), open(path, "rb").read()

def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    dist = "%s-%s.dist-info" % (NAME, VERSION)
    files = dict(_files())
    files[dist + "/METADATA"] = ("Metadata-Version: 2.1\\nName: %s\\nVersion: %s\\n" % (NAME, VERSION)).encode()
    files[dist + "/WHEEL"] = b"Wheel-Version: 1.0\\nGenerator: optml-test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n"
    record = []
    for path, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append("%s,sha256=%s,%d" % (path, digest, len(data)))
    record.append(dist + "/RECORD,,")
    files[dist + "/RECORD"] = ("\\n".join(record) + "\\n").encode()
    wheel = "%s-%s-py3-none-any.whl" % (NAME, VERSION)
    with zipfile.ZipFile(os.path.join(wheel_directory, wheel), "w") as z:
        for path, data in files.items():
            z.writestr(path, data)
    return wheel
`;

const PYPROJECT = `[build-system]
requires = []
build-backend = "optml_test_backend"
backend-path = ["."]
`;

/** The files of a package `name` (a module `name` with `VALUE`), keyed by path under `dir`. */
export function localPythonPackage(dir: string, name: string, value: string): Record<string, string> {
  const at = (file: string) => (dir === "" ? file : `${dir}/${file}`);
  return {
    [at("pyproject.toml")]: PYPROJECT,
    [at("optml_test_backend.py")]: BACKEND,
    [at("name.txt")]: name,
    [at(`${name}/__init__.py`)]: `VALUE = ${JSON.stringify(value)}\n`,
  };
}

/** pip settings that keep tests offline and out of the machine's site-packages. */
export function offlinePipEnv(userBase: string): Record<string, string> {
  return {
    PIP_NO_INDEX: "1",
    PIP_USER: "1",
    PYTHONUSERBASE: userBase,
    PIP_DISABLE_PIP_VERSION_CHECK: "1",
    PIP_ROOT_USER_ACTION: "ignore",
    PIP_NO_WARN_SCRIPT_LOCATION: "1",
  };
}
