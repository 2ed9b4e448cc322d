"""The harness's server: Debian's jupyterlab-server (LabServerApp) on Debian's jupyter-server,
serving the JupyterLab frontend built by build.mjs and the federated extensions found in
$PIPELAB_LABEXTENSIONS (the prebuilt Pipelab extension).

Run with /usr/bin/python3 (the interpreter that has Debian's packages), e.g.:
    PIPELAB_HARNESS_RUNTIME=/tmp/h /usr/bin/python3 server.py --ServerApp.port=8899 --allow-root
"""
import os

from jupyterlab_server import LabServerApp

HERE = os.path.dirname(os.path.abspath(__file__))
BUILD = os.environ.get("PIPELAB_HARNESS_BUILD", os.path.join(HERE, "dist"))
RUNTIME = os.environ.get("PIPELAB_HARNESS_RUNTIME", os.path.join(BUILD, "runtime"))
LABEXTENSIONS = [p for p in os.environ.get("PIPELAB_LABEXTENSIONS", "").split(os.pathsep) if p]


class HarnessApp(LabServerApp):
    # Launched as a script, the extension is linked under its module name.
    name = __name__
    extension_url = "/lab"
    default_url = "/lab"
    load_other_extensions = False
    app_name = "JupyterLab"
    app_namespace = "jupyterlab"
    app_version = "4.6.4"
    # overrides.json here sets the Pipelab extension's endpoint and token for a test run.
    app_settings_dir = os.environ.get("PIPELAB_HARNESS_APP_SETTINGS", os.path.join(BUILD, "settings"))
    schemas_dir = os.path.join(BUILD, "schemas")
    static_dir = os.path.join(BUILD, "static")
    templates_dir = os.path.join(BUILD, "templates")
    themes_dir = os.path.join(BUILD, "themes")
    user_settings_dir = os.path.join(RUNTIME, "user-settings")
    workspaces_dir = os.path.join(RUNTIME, "workspaces")
    labextensions_path = LABEXTENSIONS


def _jupyter_server_extension_points():
    return [{"module": __name__, "app": HarnessApp}]


if __name__ == "__main__":
    HarnessApp.launch_instance()
